"""Downloads: throughput of GET /api/v1/digital-resources/{id}/download/ under gunicorn.

Production mode: the file lives on S3 (a real SeaweedFS on loopback), the download answers 302
to a short-lived signed URL, and its tracking record is appended to a Redis list (the broker)
for the drain task of a Celery worker; the API throttle counts on the same Redis. gunicorn runs
one sync worker per core. wrk, a second process on loopback, loads each target for the same
time with 20 connections; the baseline is a view on the same server that answers a constant
302 (bench/_urls.py).

Then a real Celery worker with one process drains what the loads queued (events/s), and a
sustained peak runs wrk on the public download for BENCH_SUSTAINED_SECONDS (10 s at full
scale; `python -m bench downloads --sustained` makes it 60 s) with that worker draining as
beat would schedule it (a drain task every second), sampling the backlog (records queued, age
of the oldest) every half second, until the queue is empty after wrk stopped. Every download
answered must be counted exactly once: events, per-resource counters and daily roll-ups agree.
"""

import os
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from rest_framework.authtoken.models import Token

from bench.common import (
    GUNICORN_WORKERS,
    bench_scale,
    celery_worker,
    county_of_heihe,
    gunicorn,
    http_get,
    report,
    s3_storage,
    tasks_on_redis,
    temporary_directory,
    wrk,
)

SECONDS = 10
SUSTAINED_SECONDS = 10
WARMUP_SECONDS = 2
CONNECTIONS = 20
THREADS = 2
# Signed-in local units; the API throttles per user, so the load is spread over many.
MEMBERS = 200
FILE_BYTES = "流动科技馆 健康享未来\n".encode() * 20
DRAIN_TIMEOUT = 300
SETTLED = 0.5
SAMPLE_EVERY = 0.5
BEAT_EVERY = 1.0
BASELINE = "trivial view (constant 302)"


class Target(NamedTuple):
    name: str
    url: str
    tokens: Sequence[str] = ()
    counted: bool = True  # whether its answers are downloads that must be recorded


def sustained_seconds(scale):
    configured = os.environ.get("BENCH_SUSTAINED_SECONDS")
    if configured:
        return max(1, int(configured))
    return max(1, round(SUSTAINED_SECONDS * min(scale, 1)))


def run(scale=None):
    from resources.services.downloads import queue_length

    scale = bench_scale(scale)
    seconds = max(1, round(SECONDS * min(scale, 1)))
    peak_seconds = sustained_seconds(scale)
    warmup = WARMUP_SECONDS if scale >= 0.5 else 0
    with s3_storage(), tasks_on_redis() as queue, temporary_directory("bench-dl-") as workdir:
        public, members_only, tokens = build_data()
        with gunicorn(queue, workdir) as server:
            api = f"{server.url}/api/v1/digital-resources"
            targets = [
                Target(BASELINE, f"{server.url}/bench/redirect/", counted=False),
                Target("download, anonymous, public resource", f"{api}/{public.pk}/download/"),
                Target(
                    "download, token, member-only resource",
                    f"{api}/{members_only.pk}/download/",
                    tokens,
                ),
            ]
            answered = check_answers(targets[1].url, targets[2].url, tokens[0])
            answered += prime_tokens(targets[2].url, tokens, PRIME_ROUNDS if warmup else 1)
            runs = [load(server, target, warmup) for target in targets if warmup]
            results = {target.name: load(server, target, seconds) for target in targets}
            runs += results.values()
            answered += sum(result["downloads"] for result in runs)
            in_flight = CONNECTIONS * sum(1 for result in runs if result["downloads"])
            waiting = queue_length()
            with celery_worker(queue, workdir / "worker", concurrency=1) as worker:
                tracking = drain_backlog(worker, waiting)
                peak = sustained_peak(targets[1], peak_seconds)
            answered += peak["requests"]
            in_flight += CONNECTIONS
        counts = check_counts(answered, in_flight)

    print(
        f"gunicorn {GUNICORN_WORKERS} sync workers; wrk {THREADS} threads, {CONNECTIONS} "
        f"connections, {seconds} s per target on 127.0.0.1; S3 302 redirects, tracking on Redis"
    )
    for target in targets:
        result = results[target.name]
        print(
            f"{target.name}: {result['requests']:,} requests, latency p50 "
            f"{result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
            f"socket errors {result['socket_errors']}"
        )
    baseline = results[BASELINE]
    for target in targets[1:]:
        result = results[target.name]
        report(
            f"{target.name}: throughput",
            result["requests_per_second"],
            baseline["requests_per_second"],
            "req/s",
        )
        report(
            f"{target.name}: gunicorn CPU per request",
            result["cpu_per_request"],
            baseline["cpu_per_request"],
            "ms",
        )
    print(tracking)
    print(peak["summary"])
    print(counts)


def load(server, target, seconds):
    """wrk on one target; also the CPU time the server spent per answer meanwhile."""
    cpu = server.cpu_seconds()
    result = wrk(
        target.url, seconds=seconds, connections=CONNECTIONS, threads=THREADS, tokens=target.tokens
    )
    cpu = server.cpu_seconds() - cpu
    if result["non_3xx"]:
        raise AssertionError(f"{target.url}: {result['non_3xx']} answers were 4xx or 5xx")
    result["cpu_per_request"] = cpu / max(1, result["requests"])
    result["downloads"] = result["requests"] if target.counted else 0
    return result


def check_answers(public_url, members_url, token):
    """The download really redirects to the file; member-only ones need a token."""
    status, headers, _body = http_get(public_url)
    assert status == 302, status
    status, _headers, body = http_get(headers["Location"])
    assert status == 200 and body == FILE_BYTES, (status, body[:100])
    status, _headers, _body = http_get(members_url)
    assert status == 401, status
    status, _headers, _body = http_get(members_url, {"Authorization": f"Token {token}"})
    assert status == 302, status
    return 2  # downloads answered


PRIME_ROUNDS = 6


def prime_tokens(url, tokens, rounds):
    """Use every token a few times, so that each gunicorn process has most of them cached as
    in a steady peak (a local unit's script downloads many files with one token; a process
    looks a token up once per five minutes). Answers the downloads this made."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(
                lambda token: http_get(url, {"Authorization": f"Token {token}"})[0],
                [token for token in tokens for _round in range(rounds)],
            )
        )
    assert set(statuses) == {302}, set(statuses)
    return len(statuses)


class Beat(threading.Thread):
    """Sends the drain task every second, as celery beat does with CELERY_BEAT_SCHEDULE."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopped = threading.Event()

    def run(self):
        from resources.tasks import drain_download_events

        while not self.stopped.wait(BEAT_EVERY):
            drain_download_events.delay()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.join()


def recorded_events():
    from resources.models import DownloadEvent

    return DownloadEvent.objects.count()


DRAIN_LINE = re.compile(
    r"Task resources\.tasks\.drain_download_events\[[^\]]+\] succeeded in ([0-9.]+)s: (\d+)"
)


def drain_rate(worker):
    """Records written per second of drain task time, from the worker's own log lines."""
    runs = [(float(s), int(n)) for s, n in DRAIN_LINE.findall(worker.log()) if int(n)]
    seconds, records = sum(s for s, _n in runs), sum(n for _s, n in runs)
    return records, seconds


def drain_backlog(worker, waiting):
    """Let the worker's one process write what the loads queued (it starts when ready)."""
    from resources.services.downloads import queue_length

    deadline = time.monotonic() + DRAIN_TIMEOUT
    with Beat():
        while time.monotonic() < deadline and (queue_length() or not drain_rate(worker)[0]):
            time.sleep(0.05)
        time.sleep(SETTLED)
    assert queue_length() == 0, "the worker did not drain the queue in time"
    records, seconds = drain_rate(worker)
    return (
        f"tracking: {waiting:,} records queued by the loads, {records:,} written by a real worker "
        f"with one process in {seconds:.2f} s of drain tasks: {records / max(seconds, 1e-3):,.0f} "
        "events/s"
    )


def oldest_age():
    """Seconds since the oldest queued record was answered (0 when the queue is empty)."""
    from resources.services.downloads import decode, tracking_store

    store = tracking_store()
    head = store.client.lindex(store.queue_key, 0)
    return 0.0 if head is None else max(0.0, time.time() - decode(head).at)


def sustained_peak(target, seconds):
    """wrk on the public download for `seconds` while the worker drains; the backlog sampled."""
    from resources.services.downloads import queue_length

    samples = []
    done = threading.Event()

    def sample():
        started = time.monotonic()
        while not done.wait(SAMPLE_EVERY):
            samples.append((time.monotonic() - started, queue_length(), oldest_age()))

    sampler = threading.Thread(target=sample, daemon=True)
    with Beat():
        sampler.start()
        result = wrk(target.url, seconds=seconds, connections=CONNECTIONS, threads=THREADS)
        ended = time.monotonic()
        deadline = ended + DRAIN_TIMEOUT
        while queue_length() and time.monotonic() < deadline:
            time.sleep(0.05)
        emptied = time.monotonic() - ended
        time.sleep(SETTLED)  # a batch taken just before may still be committing
        done.set()
        sampler.join()
    if result["non_3xx"]:
        raise AssertionError(f"{target.url}: {result['non_3xx']} answers were 4xx or 5xx")
    during = [sample for sample in samples if sample[0] <= seconds]
    worst = max(during, key=lambda sample: sample[2], default=(0, 0, 0.0))
    timeline = ", ".join(
        f"{at:.0f}s:{queued}/{age:.1f}s"
        for at, queued, age in samples[:: max(1, len(samples) // 12)]
    )
    summary = (
        f"sustained peak: {seconds} s of wrk at {result['requests_per_second']:,.0f} req/s on the "
        f"public download with the worker draining; backlog at most {max((s[1] for s in during), default=0):,} "
        f"records, oldest {worst[2]:.1f} s; queue empty {emptied:.1f} s after wrk stopped "
        f"(queued/oldest age over time: {timeline})"
    )
    return {"requests": result["requests"], "summary": summary}


def check_counts(answered, in_flight):
    """Every answered download counted once: events, counters and daily roll-ups agree."""
    from django.db.models import Sum

    from resources.models import DigitalResource, DownloadDaily, DownloadEvent

    recorded = recorded_events()
    # wrk does not count the requests in flight when its time is up; the server may have
    # answered (and counted) them all the same: at most one per connection and run.
    assert answered <= recorded <= answered + in_flight, (answered, recorded)
    distinct = DownloadEvent.objects.values("event_key").distinct().count()
    assert distinct == recorded, (distinct, recorded)
    counted = DigitalResource.objects.aggregate(total=Sum("download_count"))["total"]
    assert counted == recorded, (counted, recorded)
    rolled = DownloadDaily.objects.aggregate(total=Sum("count"))["total"] or 0
    pending = DownloadEvent.objects.filter(rolled_up=False).count()
    assert rolled + pending == recorded, (rolled, pending, recorded)
    return (
        f"counted: {answered:,} downloads answered and counted by wrk, {recorded:,} recorded "
        f"(≤ {in_flight} more may be in flight when wrk stops), each once; per-resource "
        "counters and daily roll-ups agree"
    )


def build_data():
    from facilities.models import Facility, Membership, MembershipRole
    from resources.models import ResourceAccess, ResourceFormat
    from resources.services.digital import publish_resource

    province, county = county_of_heihe()
    facility = Facility.objects.create(
        name="黑河市流动科技馆",
        kind="mobile_museum",
        level="county",
        status="approved",
        region=county,
        province=province,
    )
    password = make_password(None)
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"unit{n}", email=f"unit{n}@example.org", password=password)
        for n in range(MEMBERS)
    )
    Membership.objects.bulk_create(
        Membership(user=user, facility=facility, role=MembershipRole.STAFF) for user in users
    )
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=u) for u in users)
    resources = [
        publish_resource(
            by=None,
            file=ContentFile(FILE_BYTES, name=f"{access}.txt"),
            title=f"健康生活海报 ({access})",
            resource_format=ResourceFormat.DOCUMENT,
            access=access,
        )
        for access in (ResourceAccess.PUBLIC, ResourceAccess.MEMBERS)
    ]
    return resources[0], resources[1], [token.key for token in tokens]
