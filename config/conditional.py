"""Conditional GET for API answers: ETag and Last-Modified, 304 when the client's copy is
current (If-None-Match decides when present, else If-Modified-Since), as Django's
condition decorator does, but for validators a view computes from its own query."""

from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date


def conditional_answer(request, *, etag, last_modified, build, vary=("Authorization", "Cookie")):
    """The 304 (or 412) Django's conditional rules give, else build(); validators on both.

    `last_modified` is an aware datetime or None; `build` makes the full answer only when it is
    needed, so a revalidation never serialises the content.
    """
    stamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(request, etag=etag, last_modified=stamp)
    if response is None:
        response = build()
    response["ETag"] = etag
    if stamp is not None:
        response["Last-Modified"] = http_date(stamp)
    patch_vary_headers(response, vary)
    return response
