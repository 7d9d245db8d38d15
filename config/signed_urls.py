"""Signed object-storage URLs, reused within one process for a share of their lifetime.

Signing costs about 0.7 ms of CPU: a catalogue page would sign one URL per thumbnail and every
download one for its file. A URL signed here is answered again while at least `1 - reuse` of
its lifetime is left, so every caller still hands out a URL valid for most of
AWS_QUERYSTRING_EXPIRE. Storages that do not sign (local media) are never cached. Bounded:
the table is emptied when it reaches LIMIT entries.
"""

import time

LIMIT = 20_000
# Below this many seconds of reuse a cache entry is not worth keeping.
SHORTEST_REUSE = 2

_urls = {}


def signed_url(storage, name, *, parameters=None, expire=None, reuse=0.5):
    """storage.url(name): the same signed URL again for `reuse` × its lifetime in seconds.

    `parameters` (S3 response headers) and `expire` go to the storage when it takes them; a
    storage that does not answers its plain URL.
    """
    if expire is None:
        expire = getattr(storage, "querystring_expire", 0) or 0
    key = (
        id(storage),
        getattr(storage, "endpoint_url", None),
        getattr(storage, "bucket_name", None),
        name,
        tuple(sorted((parameters or {}).items())),
        expire,
    )
    now = time.monotonic()
    hit = _urls.get(key)
    if hit is not None and hit[1] > now:
        return hit[0]
    try:
        url = storage.url(name, parameters=parameters, expire=expire)
    except TypeError:  # a storage without signed-URL parameters
        return storage.url(name)
    kept_for = expire * reuse
    if kept_for >= SHORTEST_REUSE and getattr(storage, "querystring_auth", False):
        if len(_urls) >= LIMIT:
            _urls.clear()
        _urls[key] = (url, now + kept_for)
    return url
