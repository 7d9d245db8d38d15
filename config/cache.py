"""The Redis cache of production, failing open.

Everything the platform keeps in the cache can be recomputed: throttle counters, cached
figures, catalogue counts. So a Redis that is down or hung must cost speed, never an answer:
every operation that cannot reach Redis behaves as on an empty cache that stores nothing
(DRF's throttles then let requests through, figures are computed afresh), and a warning is
logged at most once a minute per process. /healthz still names the cache (`ping`).
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARNING_INTERVAL = 60.0

_warned_at = None
_warning_lock = threading.Lock()


def _warn(exc):
    global _warned_at
    now = time.monotonic()
    with _warning_lock:
        if _warned_at is not None and now - _warned_at < WARNING_INTERVAL:
            return
        _warned_at = now
    logger.warning("cache unreachable (%s: %s); answering without it", type(exc).__name__, exc)


def _failing_open(name, answer):
    """Wrap RedisCache.<name>: on an unreachable Redis, log and return answer(args, kwargs)."""
    original = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        except UNREACHABLE as exc:
            _warn(exc)
            return answer(args, kwargs)

    method.__name__ = name
    method.__doc__ = original.__doc__
    return method


def _default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


def _keys(args, kwargs):
    return list(kwargs.get("data", args[0] if args else {}))


class FailOpenRedisCache(RedisCache):
    """django's RedisCache that answers like an empty cache when Redis cannot be reached."""

    get = _failing_open("get", _default)
    get_many = _failing_open("get_many", lambda args, kwargs: {})
    has_key = _failing_open("has_key", lambda args, kwargs: False)
    add = _failing_open("add", lambda args, kwargs: False)
    set = _failing_open("set", lambda args, kwargs: None)
    set_many = _failing_open("set_many", _keys)  # the keys that were not stored
    touch = _failing_open("touch", lambda args, kwargs: False)
    delete = _failing_open("delete", lambda args, kwargs: False)
    delete_many = _failing_open("delete_many", lambda args, kwargs: None)
    clear = _failing_open("clear", lambda args, kwargs: False)

    def ping(self):
        """Raise the real error when Redis does not answer (for /healthz)."""
        self._cache.get_client(write=False).ping()
