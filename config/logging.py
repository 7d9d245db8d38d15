"""Logging helpers: expected client errors are worth one line, not a traceback."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Keep a 4xx answer (a refused permission, a missing page) to its one-line message.

    Django logs PermissionDenied and the like with the exception attached; for an answer the
    platform gives on purpose, the traceback only buries the errors that matter.
    """

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
