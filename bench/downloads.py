"""Downloads: throughput of GET /api/v1/digital-resources/{id}/download/ under gunicorn.

Production mode: the file lives on S3 (a real SeaweedFS on loopback), the download answers 302
to a short-lived signed URL, and its tracking is queued on Redis (a real broker) for a Celery
worker; the cache (API throttling) is Redis too. gunicorn runs one sync worker per core. wrk,
a second process on loopback, loads each target for the same time with 20 connections; the
baseline is a view on the same server that answers a constant 302 (bench/_urls.py).
Afterwards a real Celery worker records the queued events, and the benchmark checks that
every download answered was counted, once.
"""

import time
from collections.abc import Sequence
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
    queued_tasks,
    report,
    s3_storage,
    tasks_on_redis,
    temporary_directory,
    wrk,
)

SECONDS = 10
WARMUP_SECONDS = 2
CONNECTIONS = 20
THREADS = 2
# Signed-in local units; the API throttles per user, so the load is spread over many.
MEMBERS = 200
FILE_BYTES = "流动科技馆 健康享未来\n".encode() * 20
DRAIN_TIMEOUT = 300
SETTLED = 0.5
BASELINE = "trivial view (constant 302)"


class Target(NamedTuple):
    name: str
    url: str
    tokens: Sequence[str] = ()
    counted: bool = True  # whether its answers are downloads that must be recorded


def run(scale=None):
    scale = bench_scale(scale)
    seconds = max(1, round(SECONDS * min(scale, 1)))
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
            runs = [load(server, target, warmup) for target in targets if warmup]
            results = {target.name: load(server, target, seconds) for target in targets}
            runs += results.values()
        # The server is gone: every answered download is queued (or was recorded directly).
        answered += sum(result["downloads"] for result in runs)
        in_flight = CONNECTIONS * sum(1 for result in runs if result["downloads"])
        tracking = drain(queue, workdir, answered, in_flight=in_flight)

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


def drain(queue, workdir, answered, *, in_flight):
    """Let a real worker record the queued downloads; check that none was lost or doubled."""
    from resources.models import DigitalResource, DownloadEvent

    waiting = queued_tasks(queue)
    with celery_worker(queue, workdir / "worker"):
        started = time.perf_counter()
        deadline = time.monotonic() + DRAIN_TIMEOUT
        recorded, quiet_since = -1, time.monotonic()
        # Done when the queue is empty and nothing was recorded for a while (tasks in hand).
        while time.monotonic() < deadline:
            count = DownloadEvent.objects.count()
            if count != recorded:
                recorded, quiet_since = count, time.monotonic()
            elif queued_tasks(queue) == 0 and time.monotonic() - quiet_since > SETTLED:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started - SETTLED
    # wrk does not count the requests in flight when its time is up; the server may have
    # answered (and counted) them all the same: at most one per connection and run.
    assert answered <= recorded <= answered + in_flight, (answered, recorded)
    counted = sum(DigitalResource.objects.values_list("download_count", flat=True))
    assert counted == recorded, (counted, recorded)
    return (
        f"tracking: {waiting:,} events queued, recorded in {seconds:.1f} s by a real worker "
        f"(2 processes, {recorded / seconds:,.0f} events/s); {answered:,} downloads answered "
        f"and counted by wrk, {recorded:,} recorded (≤ {in_flight} more may be in flight "
        "when wrk stops); per-resource counters agree"
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
