"""The download fast path: access check from per-process caches, one Redis round trip to count.

A download answers in the web process with no database query in the common case:

- the resource (id → status, access, file) and the API token (key → user, member or not) come
  from dictionaries of this process, valid for one *lookup version*: a random value in Redis
  that every change of a resource, a token, a user, a membership or a coordinator role replaces
  after its commit (signals below). Each download checks the version in the same Lua script
  that counts it, so a withdrawal stops downloads at once in every process; the dictionaries
  are also dropped after LOOKUP_TTL seconds, a bound on staleness should a bump be lost (a
  bump that fails is made again by its process as soon as it reaches Redis again);
- the script then applies the API throttle (a fixed-window counter) and appends one compact
  event record to a Redis list: one round trip, no Celery envelope.

`drain_downloads` (a Celery task run every second by beat) moves up to DRAIN_BATCH records
at once from that list into a processing list of its own (atomic, in Lua), writes them with one
`INSERT … ON CONFLICT (event_key) DO NOTHING RETURNING` per thousand rows, bumps each resource's
counter once and the daily roll-ups once per (resource, day, province) for the rows actually
inserted, all in one transaction, then deletes its processing list. A worker killed in the
middle leaves the processing list behind: it is put back on the queue later (or at the next
worker start) and written again, and the event keys make the second write count nothing.

Whenever Redis cannot be reached (or there is none: the embedded mode), the lookups go to the
database and the download is written directly with `record_download`, under the same event
key: never refused, never uncounted, never counted twice.
"""

import datetime
import functools
import logging
import os
import time
import uuid
from collections import Counter
from typing import NamedTuple

import redis
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case, F, Value, When
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

from facilities.roles import get_scope

from ..models import (
    DigitalResource,
    DownloadEvent,
    ResourceAccess,
    ResourceStatus,
)
from . import digital

logger = logging.getLogger(__name__)

# Seconds a process keeps its lookups at most, even when the version did not move.
LOOKUP_TTL = 300
LOOKUP_LIMIT = 50_000
# After Redis failed, this process writes downloads directly for that long before trying again.
REDIS_BACKOFF = 2.0
DRAIN_BATCH = 5000
INSERT_CHUNK = 1000
DRAIN_SECONDS = 20
# A processing list older than this belongs to a worker that died: its records go back.
RECLAIM_AFTER = 60
RECORD_VERSION = "1"

# KEYS: version, throttle counter, queue. ARGV: expected version, limit, window, record.
# Answers {1} counted, {0, version} stale lookups (nothing done), {2, ttl} throttled.
COUNT_SCRIPT = """
local version = redis.call('GET', KEYS[1])
if version ~= ARGV[1] then
  return {0, version or ''}
end
if KEYS[2] ~= '' then
  local hits = redis.call('INCR', KEYS[2])
  if hits == 1 then
    redis.call('EXPIRE', KEYS[2], ARGV[3])
  end
  if hits > tonumber(ARGV[2]) then
    return {2, redis.call('TTL', KEYS[2])}
  end
end
redis.call('RPUSH', KEYS[3], ARGV[4])
return {1}
"""
# KEYS: queue, processing list, batches index. ARGV: count, now.
TAKE_SCRIPT = """
local items = redis.call('LPOP', KEYS[1], ARGV[1])
if not items then
  return {}
end
for i = 1, #items, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
return items
"""
# KEYS: batches index, queue. ARGV: taken before (score). Puts the records back at the head.
RECLAIM_SCRIPT = """
local batches = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local moved = 0
for _, key in ipairs(batches) do
  local items = redis.call('LRANGE', key, 0, -1)
  for i = #items, 1, -1000 do
    redis.call('LPUSH', KEYS[2], unpack(items, math.max(1, i - 999), i))
  end
  moved = moved + #items
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], key)
end
return moved
"""


class ResourceInfo(NamedTuple):
    id: int
    status: str
    access: str
    file: object  # the FieldFile, with its storage
    original_filename: str
    content_type: str


class Holder(NamedTuple):
    """Who downloads: a user id or None, and whether member-only resources are theirs."""

    user_id: int | None
    member: bool


ANONYMOUS = Holder(None, False)


class Record(NamedTuple):
    event_key: str  # 32 hex digits
    resource_id: int
    user_id: int | None
    channel: str
    client_network: str
    at: float  # epoch seconds


# ---------------------------------------------------------------------------
# The tracking store: Redis of the Celery broker, keys named after the default queue
# ---------------------------------------------------------------------------


class Store:
    def __init__(self, url, namespace):
        self.url = url
        # One immediate retry on a broken connection (a Redis restarted under a pooled one),
        # none on a timeout: a hung Redis costs one socket timeout, then downloads go direct.
        retry = Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))
        self.client = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=2, retry=retry
        )
        prefix = f"kepu:downloads:{namespace}"
        self.version_key = f"{prefix}:version"
        self.queue_key = f"{prefix}:queue"
        self.batches_key = f"{prefix}:batches"
        self.processing_prefix = f"{prefix}:processing:"
        self.throttle_prefix = f"{prefix}:throttle:"
        self.count = self.client.register_script(COUNT_SCRIPT)
        self.take = self.client.register_script(TAKE_SCRIPT)
        self.reclaim = self.client.register_script(RECLAIM_SCRIPT)


_stores = {}
_failed_until = 0.0
SWITCHED = ("broker_url", "task_always_eager", "task_default_queue")


def tracking_store():
    """The Store of this process, or None: no Redis broker, or Redis failed a moment ago."""
    from config.celery import app

    if time.monotonic() < _failed_until:
        return None
    conf = app.conf
    # Reading Celery settings costs tens of µs each; they only ever move by conf.update()
    # (tests), which lands in conf.changes: a cheap key for the answer.
    changes = conf.changes
    key = (os.getpid(), *(changes.get(name) for name in SWITCHED))
    try:
        return _stores[key]
    except KeyError:
        pass
    _stores.clear()  # a forked process or another broker: the old pools are not ours
    _lookups.clear()
    url = conf.broker_url or ""
    store = None
    if not conf.task_always_eager and url.startswith(("redis://", "rediss://", "unix://")):
        store = Store(url, conf.task_default_queue)
    _stores[key] = store
    return store


def _store_failed(exc):
    global _failed_until
    _failed_until = time.monotonic() + REDIS_BACKOFF
    _lookups.clear()
    logger.warning("download tracking store unreachable (%s); writing downloads directly", exc)


# ---------------------------------------------------------------------------
# Lookups cached per process for one version
# ---------------------------------------------------------------------------


class Lookups:
    def __init__(self):
        self.clear()

    def clear(self):
        self.version = None
        self.loaded_at = 0.0
        self.resources = {}
        self.tokens = {}

    def current(self, store):
        """Start a new generation: the version from Redis (created if missing)."""
        global _bump_pending
        self.clear()
        client = store.client
        if _bump_pending:  # a change this process made while Redis was out of reach
            client.set(store.version_key, uuid.uuid4().hex)
            _bump_pending = False
        version = client.get(store.version_key)
        if version is None:
            client.set(store.version_key, uuid.uuid4().hex, nx=True)
            version = client.get(store.version_key)
        self.version = version.decode() if version is not None else ""
        self.loaded_at = time.monotonic()

    def fresh(self):
        return self.version is not None and time.monotonic() - self.loaded_at < LOOKUP_TTL


_lookups = Lookups()


def _load_resource(pk):
    row = (
        DigitalResource.objects.filter(pk=pk)
        .only("id", "status", "access", "file", "original_filename", "content_type")
        .first()
    )
    if row is None:
        return None
    return ResourceInfo(
        row.pk, row.status, row.access, row.file, row.original_filename, row.content_type or ""
    )


def _load_holder(token_key):
    """The holder of an API token: None when the key is unknown or its user inactive."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=token_key).first()
    if token is None or not token.user.is_active:
        return None
    return Holder(token.user_id, get_scope(token.user).is_member)


def _cached(table, key, load):
    if key in table:
        return table[key]
    if len(table) >= LOOKUP_LIMIT:
        table.clear()
    value = table[key] = load(key)
    return value


def resource_info(pk, store):
    if store is None or not _lookups.fresh():
        return _load_resource(pk)
    return _cached(_lookups.resources, pk, _load_resource)


def token_holder(token_key, store):
    if store is None or not _lookups.fresh():
        return _load_holder(token_key)
    return _cached(_lookups.tokens, token_key, _load_holder)


def user_holder(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    return Holder(user.pk, get_scope(user).is_member)


def bump_lookup_version(**_signal):
    """Make every process forget its lookups once the current transaction commits."""
    transaction.on_commit(_bump_now, robust=True)


_bump_pending = False


def _bump_now():
    global _bump_pending
    _bump_pending = True
    store = tracking_store()
    if store is None:
        return  # no Redis (nothing cached anywhere), or out of reach: bumped when back
    try:
        store.client.set(store.version_key, uuid.uuid4().hex)
        _bump_pending = False
    except redis.RedisError as exc:
        _store_failed(exc)


# What a download reads of a resource; a save of other fields alone (a counter) changes nothing.
DOWNLOAD_FIELDS = frozenset({"status", "access", "file", "original_filename", "content_type"})


def _resource_saved(update_fields=None, **signal):
    if update_fields is not None and DOWNLOAD_FIELDS.isdisjoint(update_fields):
        return
    bump_lookup_version(**signal)


def _user_saved(update_fields=None, **signal):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # signing in changes nothing a download checks
    bump_lookup_version(**signal)


def connect_signals():
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from facilities.models import Membership, ProvincialCoordinator

    post_save.connect(_resource_saved, sender=DigitalResource, dispatch_uid="download-lookups")
    post_delete.connect(
        bump_lookup_version, sender=DigitalResource, dispatch_uid="download-lookups"
    )
    for model in (Token, Membership, ProvincialCoordinator):
        uid = f"download-lookups-{model._meta.label_lower}"
        post_save.connect(bump_lookup_version, sender=model, dispatch_uid=uid)
        post_delete.connect(bump_lookup_version, sender=model, dispatch_uid=uid)
    user = get_user_model()
    post_save.connect(_user_saved, sender=user, dispatch_uid="download-lookups-user")
    post_delete.connect(bump_lookup_version, sender=user, dispatch_uid="download-lookups-user")


# ---------------------------------------------------------------------------
# The request path
# ---------------------------------------------------------------------------


class Decision(NamedTuple):
    """What to answer: `resource` to serve; else `bad_token` (401), `sign_in` (401 or the
    sign-in page) or not found (404). `holder` downloads; `store` counts (None: directly)."""

    resource: ResourceInfo | None
    holder: Holder | None
    store: Store | None
    sign_in: bool = False
    # What it was decided on, to decide again when the lookups were stale.
    asked: tuple = ()

    @property
    def bad_token(self):
        return self.holder is None


def _decide(pk, store, token_key, user):
    asked = (pk, token_key, user)
    if token_key is not None:
        holder = token_holder(token_key, store)
        if holder is None:
            return Decision(None, None, store, asked=asked)
    else:
        holder = user_holder(user)
    info = resource_info(pk, store)
    if info is None or info.status != ResourceStatus.PUBLISHED:
        return Decision(None, holder, store, asked=asked)
    if info.access == ResourceAccess.MEMBERS and not holder.member:
        return Decision(None, holder, store, sign_in=holder.user_id is None, asked=asked)
    return Decision(info, holder, store, asked=asked)


def decide(pk, *, token_key=None, user=None):
    """Who may download resource `pk`: the holder of `token_key` if given, else `user`.

    With lookups cached, a refusal is only answered after the version was checked, so that
    a resource published (or a token created) a moment ago is never refused from old data.
    """
    store = tracking_store()
    try:
        if store is not None and not _lookups.fresh():
            _lookups.current(store)
        decision = _decide(pk, store, token_key, user)
        if decision.resource is None and store is not None:
            version = store.client.get(store.version_key)
            if (version or b"").decode() != _lookups.version:
                _lookups.current(store)
                decision = _decide(pk, store, token_key, user)
    except redis.RedisError as exc:
        _store_failed(exc)
        decision = _decide(pk, None, token_key, user)
    return decision


class Throttle(NamedTuple):
    key: str  # '' when not throttled
    limit: int
    window: int


@functools.lru_cache(maxsize=16)
def _parse_rate(rate):
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def throttle_for(request, holder):
    """The API's rate for this client: per user when signed in, else per client address."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    scope = "user" if holder.user_id is not None else "anon"
    rate = rates.get(scope)
    if not rate:
        return Throttle("", 0, 1)
    limit, window = _parse_rate(rate)
    if holder.user_id is not None:
        ident = f"u{holder.user_id}"
    else:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        # As DRF's throttles identify a client (NUM_PROXIES unset).
        ident = "".join(forwarded.split()) if forwarded else request.META.get("REMOTE_ADDR", "")
        ident = f"a{ident}"
    return Throttle(f"{int(time.time()) // window}:{ident}", limit, window)


class Throttled(Exception):
    def __init__(self, wait):
        self.wait = wait


def encode(record):
    return "|".join(
        (
            RECORD_VERSION,
            record.event_key,
            str(record.resource_id),
            "" if record.user_id is None else str(record.user_id),
            record.channel,
            record.client_network,
            repr(record.at),
        )
    )


def decode(raw):
    if isinstance(raw, bytes):
        raw = raw.decode()
    _version, key, resource_id, user_id, channel, network, at = raw.split("|")
    if len(key) != 32:
        raise ValueError(key)
    int(key, 16)  # 32 hex digits, or ValueError
    return Record(
        key,
        int(resource_id),
        int(user_id) if user_id else None,
        channel,
        network,
        float(at),
    )


def count_download(decision, *, request, channel, throttle=None):
    """Count an allowed download: one script call, or directly in the database.

    Answers the decision to act on: a fresh one when the lookups turned out stale (the
    resource may be gone by now, and then nothing is counted). Raises Throttled when the
    client is over its rate (nothing counted). A Redis error ends in a direct write under the
    same event key, so a record that reached Redis in spite of the error is counted once.
    """
    network = digital.client_network(request.META.get("REMOTE_ADDR"))
    event_key, at = uuid.uuid4().hex, time.time()

    def record_of(decision):
        resource_id, user_id = decision.resource.id, decision.holder.user_id
        return Record(event_key, resource_id, user_id, channel, network, at)

    store = decision.store
    if store is not None:
        throttle = throttle or Throttle("", 0, 1)
        keys = [
            store.version_key,
            store.throttle_prefix + throttle.key if throttle.key else "",
            store.queue_key,
        ]
        try:
            for _attempt in range(3):
                answer = store.count(
                    keys=keys,
                    args=[
                        _lookups.version or "",
                        throttle.limit,
                        throttle.window,
                        encode(record_of(decision)),
                    ],
                )
                if answer[0] == 1:
                    return decision
                if answer[0] == 2:
                    raise Throttled(max(1, int(answer[1])))
                # Stale lookups: decide again from fresh data before counting.
                _lookups.current(store)
                pk, token_key, user = decision.asked
                decision = _decide(pk, store, token_key, user)
                if decision.resource is None:
                    return decision
        except redis.RedisError as exc:
            _store_failed(exc)
            decision = decision._replace(store=None)
    _record_directly(record_of(decision))
    return decision


def _record_directly(record):
    try:
        digital.record_download(
            resource_id=record.resource_id,
            channel=record.channel,
            user_id=record.user_id,
            client_network=record.client_network,
            at=datetime_of(record.at),
            event_key=record.event_key,
        )
    except Exception:
        logger.exception("download of resource %s not recorded", record.resource_id)


def datetime_of(epoch):
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)


# ---------------------------------------------------------------------------
# The drain
# ---------------------------------------------------------------------------


def queue_length():
    store = tracking_store()
    return 0 if store is None else store.client.llen(store.queue_key)


def _first_memberships(user_ids):
    from facilities.models import Membership

    first = {}
    rows = (
        Membership.objects.filter(user_id__in=user_ids)
        .order_by("user_id", "id")
        .values_list("user_id", "facility_id", "facility__region_id", "facility__province_id")
    )
    for user_id, facility_id, region_id, province_code in rows:
        first.setdefault(user_id, (facility_id, region_id, province_code or ""))
    return first


EVENT_COLUMNS = (
    "resource_id",
    "user_id",
    "facility_id",
    "region_id",
    "province_code",
    "channel",
    "client_network",
    "created_at",
    "rolled_up",
    "event_key",
)


def _insert_events(rows):
    """Insert event rows; answer the event keys (hex) of those that were not there yet.

    Values go as they are: both databases take the key as 32 hex digits (SQLite's UUIDField
    stores exactly that) and the time through the backend's own adapter.
    """
    table = connection.ops.quote_name(DownloadEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for column in EVENT_COLUMNS)
    key_column = connection.ops.quote_name("event_key")
    row_placeholder = "(" + ", ".join(["%s"] * len(EVENT_COLUMNS)) + ")"
    inserted = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_placeholder] * len(chunk))} "
                f"ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
                [value for row in chunk for value in row],
            )
            inserted.update(
                key.hex if isinstance(key, uuid.UUID) else uuid.UUID(key).hex
                for (key,) in cursor.fetchall()
            )
    return inserted


def record_batch(records):
    """Store download records once each, with their counters and daily roll-ups.

    One transaction: the events (rolled_up, since their roll-up is added here), each
    resource's counter and the DownloadDaily rows move by what was actually inserted, so
    writing the same records again, wholly or partly, adds nothing. Records of resources
    deleted meanwhile are dropped. Answers the number of downloads counted.
    """
    unique = {record.event_key: record for record in records}
    with transaction.atomic():
        # Resource rows locked in id order: concurrent batches queue up instead of deadlocking,
        # and a resource cannot be deleted under this batch.
        existing = set(
            DigitalResource.objects.select_for_update()
            .filter(pk__in={record.resource_id for record in unique.values()})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        kept = [record for record in unique.values() if record.resource_id in existing]
        if not kept:
            return 0
        memberships = _first_memberships({r.user_id for r in kept if r.user_id is not None})
        adapt_time = connection.ops.adapt_datetimefield_value
        rows, places, days = [], {}, {}
        for record in kept:
            facility_id, region_id, province_code = memberships.get(
                record.user_id, (None, None, "")
            )
            at = datetime_of(record.at)
            # Local dates by the minute: every time zone's offset is a whole number of them.
            minute = int(record.at // 60)
            day = days.get(minute)
            if day is None:
                day = days[minute] = timezone.localdate(at)
            places[record.event_key] = (record.resource_id, day, province_code)
            rows.append(
                (
                    record.resource_id,
                    record.user_id,
                    facility_id,
                    region_id,
                    province_code,
                    record.channel,
                    record.client_network,
                    adapt_time(at),
                    True,
                    record.event_key,
                )
            )
        inserted = _insert_events(rows)
        if not inserted:
            return 0
        per_resource = Counter(places[key][0] for key in inserted)
        # One UPDATE for every resource of the batch (their rows are locked already).
        DigitalResource.objects.filter(pk__in=per_resource).update(
            download_count=F("download_count")
            + Case(
                *(When(pk=pk, then=Value(n)) for pk, n in sorted(per_resource.items())),
                output_field=models.PositiveBigIntegerField(),
            )
        )
        digital.upsert_daily(Counter(places[key] for key in inserted))
    return len(inserted)


def drain_downloads(
    *, batch_size=DRAIN_BATCH, max_seconds=DRAIN_SECONDS, reclaim_after=RECLAIM_AFTER
):
    """Write queued download records to the database in batches until the queue is empty.

    Processing lists older than `reclaim_after` seconds (their worker died) go back to the
    queue first. Stops after `max_seconds`; the next run goes on. Answers downloads counted.
    """
    store = tracking_store()
    if store is None:
        return 0
    reclaimed = store.reclaim(
        keys=[store.batches_key, store.queue_key], args=[time.time() - reclaim_after]
    )
    if reclaimed:
        logger.warning("%s download records of an unfinished batch queued again", reclaimed)
    deadline = time.monotonic() + max_seconds
    counted = 0
    while time.monotonic() < deadline:
        batch_key = store.processing_prefix + uuid.uuid4().hex
        raw = store.take(
            keys=[store.queue_key, batch_key, store.batches_key], args=[batch_size, time.time()]
        )
        if not raw:
            break
        records = []
        for item in raw:
            try:
                records.append(decode(item))
            except ValueError:
                logger.error("unreadable download record dropped: %r", item[:200])
        counted += record_batch(records)
        with store.client.pipeline(transaction=True) as pipe:
            pipe.delete(batch_key)
            pipe.zrem(store.batches_key, batch_key)
            pipe.execute()
    return counted
