"""The object store of production, whose outages are a clear 503 instead of a 500.

django-storages' S3Storage raises botocore's errors when the store does not answer; every
upload (digital resources, activity photos, covers) would show them as a server error. This
subclass turns them into StorageUnavailable, a domain error every door already translates:
the API answers 503 with the message, pages show it. Uploads save the file before the row,
so a refused save leaves no row behind.
"""

from botocore.exceptions import BotoCoreError, ClientError
from django.utils.translation import gettext_lazy as _
from storages.backends.s3 import S3Storage as DjangoStoragesS3Storage

from .errors import DomainError

# Seconds a client is told to wait before trying again.
RETRY_AFTER = 60


class StorageUnavailable(DomainError):
    status_code = 503
    retry_after = RETRY_AFTER
    default_message = _(
        "The file store is not answering, so nothing was saved. Please try again in a few "
        "minutes; if this keeps happening, tell the platform's administrators."
    )


def _unavailable(method):
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (BotoCoreError, ClientError) as exc:
            if isinstance(exc, ClientError) and _is_missing(exc):
                raise  # the store answered: the object is not there
            raise StorageUnavailable() from exc

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def _is_missing(exc):
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or error.get("Code") in {"404", "NoSuchKey", "NotFound"}


class S3Storage(DjangoStoragesS3Storage):
    """S3Storage whose unreachable store raises StorageUnavailable (503)."""

    _save = _unavailable(DjangoStoragesS3Storage._save)
    _open = _unavailable(DjangoStoragesS3Storage._open)
    delete = _unavailable(DjangoStoragesS3Storage.delete)
    exists = _unavailable(DjangoStoragesS3Storage.exists)
    size = _unavailable(DjangoStoragesS3Storage.size)
    listdir = _unavailable(DjangoStoragesS3Storage.listdir)
