"""Helpers shared by the benchmarks (catalogue, downloads, approvals, distribution).

Bulk rows straight in SQL, clients in forked processes released at once, the real servers
(gunicorn, SeaweedFS S3, a Celery worker over Redis) on loopback only, wrk bounded in time,
and the report line `name: X ms (baseline Y ms) ratio Z`. Servers start through the helpers
of the test fixtures (tests/fixtures/), so benchmarks and tests run the same processes.
"""

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, connections
from django.test import override_settings

from config.celery import app as celery_app
from tests.fixtures.celery import (
    CeleryWorker,
    celery_app_on_broker,
    storage_environment,
    worker_database_url,
)
from tests.fixtures.processes import (
    exited,
    free_ports,
    log_tail,
    start_process,
    stop_process,
    wait_until,
)
from tests.fixtures.s3 import empty_and_delete_bucket, running_seaweedfs, s3_settings

# Redis databases of the benchmark processes (test workers use 14): the Celery broker, and the
# cache that production uses (throttle counters). Queue names are unique per run.
BROKER_URL = os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
CACHE_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# One worker process per core (the Dockerfile lets WEB_CONCURRENCY choose).
GUNICORN_WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", str(os.cpu_count() or 2)))
WRK = os.environ.get("WRK", "wrk")
WRK_SCRIPT = Path(__file__).with_name("_wrk.lua")
SERVER_TIMEOUT = 60
# SeaweedFS stops gracefully in about 15 s; its data directory is thrown away, so kill it soon.


# ---------------------------------------------------------------------------
# Scale, reports
# ---------------------------------------------------------------------------


def bench_scale(scale):
    """The scale of a run: the argument, else $BENCH_SCALE, else 1 (the full benchmark)."""
    if scale is None:
        scale = float(os.environ.get("BENCH_SCALE", "1"))
    if scale <= 0:
        raise ValueError("the scale of a benchmark must be positive")
    return scale


def scaled(count, scale, minimum=1):
    return max(minimum, round(count * scale))


def report(name, value, baseline, unit):
    """Print `name: value unit (baseline … unit) ratio value/baseline`; seconds shown as ms."""
    if unit == "ms":
        value, baseline = value * 1000, baseline * 1000
    digits = 2 if unit == "ms" else 0
    print(
        f"{name}: {value:,.{digits}f} {unit} (baseline {baseline:,.{digits}f} {unit}) "
        f"ratio {value / baseline:.2f}",
        flush=True,
    )


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def insert_rows(model, count, columns):
    """Insert `count` rows of `model` with one INSERT … SELECT … FROM generate_series.

    `columns` maps field names to an SQL expression of `n` (1 … count), or to a pair
    (expression with %s placeholders, parameters). Every other concrete field gets its model
    default (now() for auto_now fields), so a benchmark keeps working when a field is added.
    """
    pending = dict(columns)
    names, expressions, arguments = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(connection.ops.quote_name(field.column))
        given = pending.pop(field.name, None) or pending.pop(field.attname, None)
        if given is not None:
            expression, parameters = given if isinstance(given, tuple) else (given, ())
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression, parameters = "now()", ()
        elif field.null and not field.has_default():
            expression, parameters = "NULL", ()
        else:
            default = field.get_db_prep_save(field.get_default(), connection)
            expression, parameters = "%s", (default,)
        expressions.append(expression)
        arguments.extend(parameters)
    if pending:
        raise ValueError(f"{model.__name__} has no field {', '.join(pending)}")
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) "
            f"SELECT {', '.join(expressions)} FROM generate_series(1, %s) AS n",
            [*arguments, count],
        )


def county_of_heihe():
    """Heilongjiang province › Heihe › Aihui district, created if missing: (province, county)."""
    from facilities.models import Region

    province, _ = Region.objects.get_or_create(
        code="230000", defaults={"name": "黑龙江省", "level": "province"}
    )
    prefecture, _ = Region.objects.get_or_create(
        code="231100", defaults={"name": "黑河市", "level": "prefecture", "parent": province}
    )
    county, _ = Region.objects.get_or_create(
        code="231102", defaults={"name": "爱辉区", "level": "county", "parent": prefecture}
    )
    return province, county


# ---------------------------------------------------------------------------
# Concurrent clients
# ---------------------------------------------------------------------------


# Database connections a forked client inherited from its parent. They are kept referenced,
# never closed: closing one would end the parent's session on the shared socket.
_INHERITED_CONNECTIONS = []


def _forget_inherited_connections():
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED_CONNECTIONS.append(conn.connection)
            conn.connection = None


def _client(index, prepare, work, items, barrier, results):
    _forget_inherited_connections()  # this process opens a connection of its own
    try:
        state = prepare(items)
        barrier.wait()
        started, cpu = time.perf_counter(), time.process_time()
        outcome = work(state)
        finished, cpu = time.perf_counter(), time.process_time() - cpu
        results.put((index, started, finished, cpu, outcome, None))
    except BaseException:  # the parent reports it; a child must never hang the barrier
        barrier.abort()
        results.put((index, 0.0, 0.0, 0.0, None, traceback.format_exc()))
    finally:
        connections.close_all()


def run_clients(prepare, work, assignments, *, timeout=600):
    """Run one forked client process per assignment, each with its own database connection.

    Each client calls `prepare(items)` untimed, waits until all are prepared, then runs
    `work(state)`. Answers the seconds from the first start to the last finish (the clock is
    system-wide), the CPU seconds the clients spent in `work` together, and their results in
    assignment order.
    """
    connections.close_all()  # a forked child must open its own connection, not share ours
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(assignments))
    results = context.SimpleQueue()
    processes = [
        context.Process(
            target=_client, args=(index, prepare, work, items, barrier, results), daemon=True
        )
        for index, items in enumerate(assignments)
    ]
    for process in processes:
        process.start()
    collected = {}
    deadline = time.monotonic() + timeout
    try:
        while len(collected) < len(processes):
            if not results.empty():
                index, started, finished, cpu, outcome, error = results.get()
                if error:
                    raise RuntimeError(f"client {index} failed:\n{error}")
                collected[index] = (started, finished, cpu, outcome)
            elif time.monotonic() > deadline or any(p.exitcode not in (None, 0) for p in processes):
                raise RuntimeError("a benchmark client died or did not finish in time")
            else:
                time.sleep(0.01)
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    started = min(value[0] for value in collected.values())
    finished = max(value[1] for value in collected.values())
    cpu = sum(value[2] for value in collected.values())
    return finished - started, cpu, [collected[index][3] for index in range(len(processes))]


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------


@contextmanager
def temporary_directory(prefix):
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def s3_storage():
    """A SeaweedFS S3 server on loopback with a fresh bucket, as the default storage."""
    with temporary_directory("bench-seaweedfs-") as workdir, running_seaweedfs(workdir) as server:
        client = server.client()
        bucket = f"bench-{uuid.uuid4().hex[:16]}"
        client.create_bucket(Bucket=bucket)
        try:
            with override_settings(**s3_settings(server, bucket)):
                yield server
        finally:
            empty_and_delete_bucket(client, bucket)


@contextmanager
def tasks_on_redis():
    """Send this process's Celery tasks to a queue of their own on Redis, as production does.

    Yields the queue name; the queue and whatever is left in it are deleted afterwards.
    """
    queue = f"bench-{uuid.uuid4().hex[:16]}"
    with celery_app_on_broker(celery_app, broker_url=BROKER_URL, queue=queue):
        try:
            yield queue
        finally:
            delete_queue(queue)


def delete_queue(queue):
    """Remove a queue, what waits in it and its bindings from the benchmark broker."""
    with celery_app.connection_for_write(BROKER_URL) as conn:
        channel = conn.default_channel
        client = channel.client
        client.delete(
            *{channel._q_for_pri(queue, priority) for priority in channel.priority_steps},
            channel.keyprefix_queue % queue,
            channel.keyprefix_binding_permanent % queue,
        )
        # The download records, lookup version and throttle counters kept under its name.
        stale = list(client.scan_iter(match=f"kepu:downloads:{queue}:*", count=1000))
        if stale:
            client.delete(*stale)


def queued_tasks(queue):
    """How many tasks wait in `queue` on the benchmark broker."""
    with celery_app.connection_for_write(BROKER_URL) as conn:
        return conn.default_channel.client.llen(queue)


@contextmanager
def celery_worker(queue, workdir, concurrency=2):
    """A real `celery -A config worker` consuming `queue`, on the benchmark database."""
    worker = CeleryWorker(
        app=celery_app,
        broker_url=BROKER_URL,
        queue=queue,
        workdir=workdir,
        concurrency=concurrency,
        extra_env={"REDIS_URL": CACHE_URL},
    )
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        worker.purge()


def server_environment(queue):
    """What the gunicorn process needs: the benchmark database, storage, broker and cache."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench._settings",
        DATABASE_URL=worker_database_url(),
        CELERY_BROKER_URL=BROKER_URL,
        BENCH_CELERY_QUEUE=queue,
        REDIS_URL=CACHE_URL,
        PYTHONUNBUFFERED="1",
    )
    env.update(storage_environment())
    return env


def http_get(url, headers=None):
    """(status, headers, body) of a GET that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def group_cpu_seconds(group):
    """CPU time (user + system) used so far by the live processes of a process group."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    url: str
    process_group: int

    def cpu_seconds(self):
        """CPU time the server's processes used so far, whatever else runs on the machine."""
        return group_cpu_seconds(self.process_group)


@contextmanager
def gunicorn(queue, workdir, *, workers=GUNICORN_WORKERS):
    """gunicorn serving the platform plus bench/_urls.py on a free loopback port.

    Yields a Server (base URL, CPU time used). The server reads the benchmark database and
    sends its tasks to `queue`; its log is shown if it does not come up.
    """
    log_path = workdir / "gunicorn.log"
    for _attempt in range(3):  # another process may take the port between check and bind
        port = free_ports(1)[0]
        process = start_process(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                # As the Dockerfile runs it: sync workers, an access log line per request.
                "--worker-class=sync",
                "--access-logfile=-",
                "--timeout=60",
            ],
            log_path=log_path,
            env=server_environment(queue),
            cwd=Path(__file__).resolve().parent.parent,
        )
        base_url = f"http://127.0.0.1:{port}"

        def answers(url=f"{base_url}/bench/redirect/", process=process):
            if exited(process):
                return True
            try:
                return http_get(url)[0] == 302
            except OSError:
                return False

        if wait_until(answers, timeout=SERVER_TIMEOUT, interval=0.2) and not exited(process):
            break
        stop_process(process)
    else:
        raise RuntimeError(f"gunicorn did not start:\n{log_tail(log_path)}")
    try:
        yield Server(base_url, process.pid)  # the leader of its own session and group
    finally:
        stop_process(process, grace=10)


# ---------------------------------------------------------------------------
# Load
# ---------------------------------------------------------------------------


def wrk(url, *, seconds, connections=20, threads=2, tokens=()):
    """Run wrk against `url` for `seconds` and answer its summary.

    Every request carries a random X-Forwarded-For, as many clients behind the reverse proxy
    would (the API throttles per client address); with `tokens`, an Authorization header with
    one of them. Answers requests, seconds, requests_per_second, non_3xx (responses outside
    2xx/3xx), socket_errors and latency percentiles in ms.
    """
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the load tool only runs against loopback")
    command = [
        WRK,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=5s",
        f"--script={WRK_SCRIPT}",
        url,
        "--",
        *tokens,
    ]
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    summary = None
    for line in finished.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            summary = json.loads(line.removeprefix("WRK_JSON "))
    if finished.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed:\n{finished.stdout}\n{finished.stderr}")
    duration = summary["duration_us"] / 1e6
    return {
        "requests": summary["requests"],
        "seconds": duration,
        "requests_per_second": summary["requests"] / duration,
        "non_3xx": summary["status_errors"],
        "socket_errors": summary["connect_errors"]
        + summary["read_errors"]
        + summary["write_errors"]
        + summary["timeouts"],
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
    }
