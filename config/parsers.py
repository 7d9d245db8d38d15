"""The API's JSON parser: a body nested too deeply for the decoder is a 400, not a 500.

Python's JSON decoder raises RecursionError (not ValueError, which DRF turns into a 400) past
the interpreter's recursion limit; `[[[[…` fifty thousand deep would otherwise be a server
error with a traceback on every endpoint that reads JSON.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(
                _("JSON parse error - the body is nested too deeply; send a flatter document.")
            ) from None
