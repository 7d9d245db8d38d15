"""Downloads counted through Redis: cached lookups that a change invalidates at once, the
queued records drained in batches exactly once, a Redis that stops or hangs, and a real
Celery worker killed in the middle of a batch."""

import threading
import time
import uuid

import pytest
import requests
from django.db import connection, connections
from django.db.models import Sum
from django.utils import timezone
from rest_framework.authtoken.models import Token

from config.celery import app as celery_app
from facilities.models import Membership
from resources.models import DigitalResource, DownloadDaily, DownloadEvent, ResourceAccess
from resources.services import digital as services
from resources.services import downloads
from resources.tasks import drain_download_events
from tests.fixtures.celery import celery_app_on_broker
from tests.fixtures.processes import wait_until
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, run_concurrently, stored_resource

media_root = digital_support.media_root
pytestmark = pytest.mark.usefixtures("media_root")

WAIT = 60


def api_download(pk):
    return f"/api/v1/digital-resources/{pk}/download/"


@pytest.fixture
def tracking_redis(redis_server, transactional_db):
    """Tracking on a private Redis the test may stop (the broker of the in-process app)."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with celery_app_on_broker(celery_app, broker_url=redis_server.url(0), queue=queue):
        downloads._failed_until = 0.0
        downloads._lookups.clear()
        yield redis_server
    downloads._failed_until = 0.0
    downloads._lookups.clear()


def queued():
    return downloads.queue_length()


def totals(resource):
    """(events, the resource's counter, its daily roll-ups + events not rolled up yet)."""
    resource.refresh_from_db()
    events = DownloadEvent.objects.filter(resource=resource)
    daily = DownloadDaily.objects.filter(resource=resource).aggregate(n=Sum("count"))["n"] or 0
    return events.count(), resource.download_count, daily + events.filter(rolled_up=False).count()


# ---------------------------------------------------------------------------
# Lookups cached per process, invalidated by every change
# ---------------------------------------------------------------------------


def test_a_repeated_download_runs_no_query_and_one_redis_record(
    tracking_redis, client, django_assert_num_queries
):
    resource = stored_resource()
    assert client.get(api_download(resource.pk)).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(api_download(resource.pk)).status_code == 200
    assert queued() == 2 and DownloadEvent.objects.count() == 0
    assert downloads.drain_downloads() == 2
    assert totals(resource) == (2, 2, 2)


def test_a_withdrawn_resource_stops_downloading_at_once_although_lookups_are_cached(
    tracking_redis, client, admin_user
):
    resource = stored_resource()
    assert client.get(api_download(resource.pk)).status_code == 200
    assert resource.pk in downloads._lookups.resources  # cached in this process
    services.withdraw_resource(resource=resource, by=admin_user)
    assert client.get(api_download(resource.pk)).status_code == 404
    assert client.get(f"/resources/{resource.pk}/download/").status_code == 404
    services.republish_resource(resource=resource, by=admin_user)
    assert client.get(api_download(resource.pk)).status_code == 200
    downloads.drain_downloads()
    assert totals(resource) == (2, 2, 2)


def test_negative_control_a_change_that_bumps_no_version_is_not_seen(tracking_redis, client):
    """The test above would catch a missing bump: a change behind the signals' back (a raw
    queryset update) leaves this process serving its cached lookup."""
    resource = stored_resource()
    assert client.get(api_download(resource.pk)).status_code == 200
    DigitalResource.objects.filter(pk=resource.pk).update(status="withdrawn")
    assert client.get(api_download(resource.pk)).status_code == 200


def test_a_deleted_token_and_a_removed_membership_stop_member_downloads_at_once(
    tracking_redis, client
):
    resource = stored_resource(access=ResourceAccess.MEMBERS)
    user = facility_staff()
    token = Token.objects.create(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get(api_download(resource.pk), **auth).status_code == 200
    assert token.key in downloads._lookups.tokens
    Membership.objects.filter(user=user).delete()
    assert client.get(api_download(resource.pk), **auth).status_code == 404
    token.delete()
    response = client.get(api_download(resource.pk), **auth)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert downloads.drain_downloads() == 1


def test_a_new_token_is_accepted_although_its_absence_was_cached(tracking_redis, client):
    resource = stored_resource()
    key = "f" * 40
    assert (
        client.get(api_download(resource.pk), HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    )
    Token.objects.create(user=facility_staff(), key=key)
    assert (
        client.get(api_download(resource.pk), HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    )


def test_api_downloads_are_throttled_with_one_counter_and_429(tracking_redis, client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "100/minute"},
    }
    resource = stored_resource()
    statuses = [client.get(api_download(resource.pk)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(api_download(resource.pk))
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert response.json()["detail"]
    # Another client address has its own counter; throttled answers are not counted.
    assert client.get(api_download(resource.pk), REMOTE_ADDR="198.51.100.9").status_code == 200
    assert downloads.drain_downloads() == 4


# ---------------------------------------------------------------------------
# The drain
# ---------------------------------------------------------------------------


def test_the_drain_writes_events_counters_and_daily_roll_ups_with_the_membership(
    tracking_redis, client
):
    poster, video = stored_resource(), stored_resource()
    user = facility_staff()
    token = Token.objects.create(user=user)
    for resource in (poster, poster, video):
        client.get(api_download(resource.pk), REMOTE_ADDR="203.0.113.8")
    client.get(
        api_download(video.pk), HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="2001:db8::1"
    )
    assert downloads.drain_downloads(batch_size=3) == 4  # two batches
    staff_event = DownloadEvent.objects.get(user=user)
    facility = user.memberships.get().facility
    assert staff_event.facility == facility and staff_event.region_id == facility.region_id
    assert staff_event.province_code == "230000" and staff_event.channel == "api"
    assert staff_event.client_network == "2001:db8::/48"
    assert set(
        DownloadEvent.objects.exclude(user=user).values_list("client_network", flat=True)
    ) == {"203.0.113.0/24"}
    today = timezone.localdate()
    daily = {
        (row.resource_id, row.date, row.province_code): row.count
        for row in DownloadDaily.objects.all()
    }
    assert daily == {
        (poster.pk, today, ""): 2,
        (video.pk, today, ""): 1,
        (video.pk, today, "230000"): 1,
    }
    assert totals(poster) == (2, 2, 2) and totals(video) == (2, 2, 2)
    assert services.roll_up_downloads() == 0  # already rolled up by the drain


def test_writing_the_same_records_again_counts_nothing_and_drops_deleted_resources(
    tracking_redis,
):
    kept, deleted = stored_resource(), stored_resource()
    at = time.time()
    records = [
        downloads.Record(uuid.uuid4().hex, resource.pk, None, "api", "", at)
        for resource in (kept, kept, kept, deleted)
    ]
    DigitalResource.objects.filter(pk=deleted.pk).delete()
    assert downloads.record_batch(records) == 3
    assert downloads.record_batch(records) == 0  # a batch written again (worker died after commit)
    assert (
        downloads.record_batch(
            records[:1] + [downloads.Record(uuid.uuid4().hex, kept.pk, None, "web", "", at)]
        )
        == 1
    )
    assert totals(kept) == (4, 4, 4)


def test_a_stale_processing_list_goes_back_to_the_queue_and_counts_once(tracking_redis, client):
    resource = stored_resource()
    for _ in range(5):
        client.get(api_download(resource.pk))
    store = downloads.tracking_store()
    # A worker that took the batch and wrote it, then died before deleting its list.
    batch = store.processing_prefix + "dead-worker"
    raw = store.take(keys=[store.queue_key, batch, store.batches_key], args=[100, time.time()])
    downloads.record_batch([downloads.decode(item) for item in raw])
    assert queued() == 0 and totals(resource) == (5, 5, 5)
    assert downloads.drain_downloads() == 0  # not stale yet: left to its worker
    assert store.client.zcard(store.batches_key) == 1
    assert downloads.drain_downloads(reclaim_after=0) == 0  # written again: nothing new
    assert store.client.zcard(store.batches_key) == 0 and not store.client.exists(batch)
    assert totals(resource) == (5, 5, 5)


# ---------------------------------------------------------------------------
# Redis down or hung
# ---------------------------------------------------------------------------


def test_with_redis_stopped_downloads_are_answered_and_written_directly(
    tracking_redis, live_server
):
    resource = stored_resource(data=b"offline leaflet")
    url = live_server.url + api_download(resource.pk)
    # SQLite takes one writer at a time and answers "locked" to the others after its busy
    # timeout: concurrent direct writes are PostgreSQL's part.
    clients, each = (20, 5) if connection.vendor == "postgresql" else (1, 100)

    def client(_index):
        with requests.Session() as session:
            return [
                session.get(url, allow_redirects=False, timeout=30).status_code for _ in range(5)
            ]

    assert [s for batch in run_concurrently(clients, client) for s in batch] == [200] * 100
    assert queued() == 100
    assert downloads.drain_downloads() == 100
    tracking_redis.stop()
    assert [s for batch in run_concurrently(clients, client) for s in batch] == [200] * 100
    # Written in the requests themselves, before the answers went out.
    assert totals(resource) == (200, 200, 200)
    assert DownloadEvent.objects.filter(rolled_up=False).count() == 100
    tracking_redis.start()  # back, empty: the lookups are loaded again, records queued again
    downloads._failed_until = 0.0
    assert [s for batch in run_concurrently(clients, client) for s in batch] == [200] * 100
    assert downloads.drain_downloads() == 100
    assert totals(resource) == (300, 300, 300)
    assert DownloadEvent.objects.values("event_key").distinct().count() == 300


def test_a_record_sent_to_a_hung_redis_is_written_directly_and_still_counted_once(
    tracking_redis, client
):
    resource = stored_resource()
    assert client.get(api_download(resource.pk)).status_code == 200  # lookups cached
    tracking_redis.pause()
    try:
        assert client.get(api_download(resource.pk)).status_code == 200  # after the timeout
    finally:
        tracking_redis.resume()
    assert totals(resource) == (1, 1, 1)  # the direct write
    downloads._failed_until = 0.0
    # Resumed, Redis ran the script it had received while hung: that record is queued too.
    assert queued() == 2
    assert downloads.drain_downloads() == 1  # the first download; the copy counts nothing
    assert totals(resource) == (2, 2, 2)


# ---------------------------------------------------------------------------
# A real worker: concurrent clients, and a kill in the middle of a batch
# ---------------------------------------------------------------------------


@pytest.mark.celery_worker
def test_20_concurrent_clients_are_counted_exactly_once_by_a_real_worker(
    real_celery_worker, live_server
):
    resource = stored_resource()
    url = live_server.url + api_download(resource.pk)

    def client(_index):
        with requests.Session() as session:
            return [
                session.get(url, allow_redirects=False, timeout=30).status_code for _ in range(25)
            ]

    assert [s for batch in run_concurrently(20, client) for s in batch] == [200] * 500
    drain_download_events.delay()
    assert wait_until(lambda: totals(resource)[0] >= 500 and queued() == 0, timeout=WAIT), (
        real_celery_worker.log()[-3000:]
    )
    time.sleep(0.5)  # anything beyond 500 would show up now
    assert totals(resource) == (500, 500, 500)


def _lock_waiters():
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.celery_worker
def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing_and_counts_nothing_twice(
    real_celery_worker, client
):
    if connection.vendor != "postgresql":
        pytest.skip("holds a row lock that SQLite does not have")
    resource = stored_resource()
    for _ in range(300):
        assert client.get(api_download(resource.pk)).status_code == 200
    assert queued() == 300
    # The roll-up row the batch will update, locked by another connection: the worker's
    # transaction stops there, with its events inserted and the counter bumped, uncommitted.
    DownloadDaily.objects.create(resource=resource, date=timezone.localdate(), count=0)
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    "SELECT id FROM resources_downloaddaily WHERE resource_id = %s FOR UPDATE",
                    [resource.pk],
                )
                locked.set()
                release.wait(WAIT)
                cursor.execute("COMMIT")
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(WAIT)
        drain_download_events.delay()
        assert wait_until(lambda: _lock_waiters() >= 1, timeout=WAIT), real_celery_worker.log()[
            -3000:
        ]
        store = downloads.tracking_store()
        assert queued() == 0 and store.client.zcard(store.batches_key) == 1  # the batch it holds
        real_celery_worker.kill()
    finally:
        release.set()
        holder.join()
    assert totals(resource) == (0, 0, 0)  # its transaction never committed
    real_celery_worker.start()  # puts the unfinished batch back and drains it
    assert wait_until(
        lambda: totals(resource)[0] >= 300 and store.client.zcard(store.batches_key) == 0,
        timeout=WAIT,
    ), real_celery_worker.log()[-3000:]
    time.sleep(0.5)
    assert totals(resource) == (300, 300, 300)
    assert DownloadEvent.objects.values("event_key").distinct().count() == 300


def test_a_change_made_while_redis_hung_is_announced_once_redis_answers_again(
    tracking_redis, client, admin_user
):
    resource = stored_resource()
    assert client.get(api_download(resource.pk)).status_code == 200
    store = downloads.tracking_store()
    before = store.client.get(store.version_key)
    tracking_redis.pause()
    try:
        services.withdraw_resource(resource=resource, by=admin_user)  # its bump times out
        assert client.get(api_download(resource.pk)).status_code == 404  # from the database
    finally:
        tracking_redis.resume()
    downloads._failed_until = 0.0
    assert client.get(api_download(resource.pk)).status_code == 404
    # Other processes, whose lookups still hold the resource, see a new version now.
    assert store.client.get(store.version_key) != before
