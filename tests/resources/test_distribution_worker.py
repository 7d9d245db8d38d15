"""Bulk distributions through a real Celery worker over Redis, on PostgreSQL.

Exactly once per facility, stock taken exactly once, whatever happens to the task: a second
and third delivery, a worker SIGKILLed mid-run and a new one started.
"""

import csv
import io
import time

import pytest
from django.db.models import Count
from django.urls import reverse

from facilities.models import FacilityStatus
from resources.models import Distribution, DistributionStatus, Kit, KitRequest, SkipReason
from resources.tasks.distributions import run_distribution
from tests import factories
from tests.fixtures.processes import wait_until

from .distribution_support import add_staff, make_facilities

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TARGETS = 2000
NOT_APPROVED = 37
STOCK = 5000
PER_FACILITY = 2
TIMEOUT = 180


@pytest.fixture
def world():
    province, _, county = factories.region_tree()
    eligible = make_facilities(TARGETS, region=county)
    pending = make_facilities(
        NOT_APPROVED, region=county, status=FacilityStatus.PENDING, prefix="待审"
    )
    kit = factories.KitFactory(quantity_total=STOCK)
    admin = factories.AdminFactory(username="worker-admin")
    return {
        "province": province,
        "eligible": eligible,
        "pending": pending,
        "kit": kit,
        "admin": admin,
    }


@pytest.fixture
def worker(request, monkeypatch):
    """A real worker allocating in small chunks, so that a run lasts long enough to watch."""
    monkeypatch.setenv("DISTRIBUTION_CHUNK_SIZE", str(getattr(request, "param", 50)))
    return request.getfixturevalue("real_celery_worker")


def start(api_client, world):
    api_client.force_authenticate(world["admin"])
    response = api_client.post(
        "/api/v1/distributions/",
        {
            "kit": world["kit"].pk,
            "quantity_per_facility": PER_FACILITY,
            "province": world["province"].code,
        },
        format="json",
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def watch(distribution_id, until, timeout=TIMEOUT):
    """Poll the distribution until `until(d)`; (it, every (processed, allocated, skipped) seen)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        distribution = Distribution.objects.get(pk=distribution_id)
        seen.append((distribution.processed, distribution.allocated, distribution.skipped))
        if until(distribution):
            return distribution, seen
        if time.monotonic() > deadline:
            pytest.fail(f"distribution stuck at {distribution.__dict__}")
        time.sleep(0.02)


def finished(distribution):
    return distribution.status in (DistributionStatus.DONE, DistributionStatus.FAILED)


def assert_exactly_once(world, distribution_id):
    allocations = KitRequest.objects.filter(distribution_id=distribution_id)
    assert allocations.count() == TARGETS
    duplicates = allocations.values("facility_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    assert set(allocations.values_list("facility_id", flat=True)) == {
        f.pk for f in world["eligible"]
    }
    kit = Kit.objects.get(pk=world["kit"].pk)
    assert kit.quantity_available == STOCK - TARGETS * PER_FACILITY
    distribution = Distribution.objects.get(pk=distribution_id)
    assert (distribution.status, distribution.reserved) == (DistributionStatus.DONE, 0)
    assert distribution.processed == distribution.total == TARGETS + NOT_APPROVED
    assert (distribution.allocated, distribution.skipped) == (TARGETS, NOT_APPROVED)


def finished_tasks(worker, name):
    """How many runs of task `name` the worker's log shows as finished (succeeded or raised)."""
    return sum(
        1
        for line in worker.log().splitlines()
        if f"{name}[" in line and ("succeeded" in line or "raised" in line)
    )


def test_two_thousand_facilities_get_exactly_one_allocation_and_progress_reaches_total(
    api_client, client, world, worker
):
    add_staff(world["eligible"][:150])
    add_staff(world["pending"][:5], prefix="not-served")

    distribution_id = start(api_client, world)
    distribution, seen = watch(distribution_id, finished)

    assert_exactly_once(world, distribution_id)
    processed = [p for p, _, _ in seen]
    assert processed == sorted(processed), "progress never goes back"
    assert any(0 < p < distribution.total for p in processed), "progress is reported as it goes"
    assert all(p == a + s for p, a, s in seen), "processed = allocated + skipped at every step"

    # The skipped report names each skipped facility with its reason.
    client.force_login(world["admin"])
    response = client.get(reverse("distributions:skipped-csv", args=[distribution_id]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + NOT_APPROVED
    assert {(int(r[0]), r[1], r[4]) for r in rows[1:]} == {
        (f.pk, f.name, SkipReason.NOT_APPROVED) for f in world["pending"]
    }

    # Mail reaches the staff of the facilities served, in batches of at most 100.
    assert wait_until(lambda: len(worker.outbox()) >= 150, timeout=60)
    time.sleep(0.5)
    recipients = [message["To"] for message in worker.outbox()]
    assert sorted(recipients) == sorted(
        f"staff-{f.pk}@example.org" for f in world["eligible"][:150]
    )
    assert finished_tasks(worker, "send_mail_batch") == 2  # 100 + 50, not one task each


def test_the_same_task_delivered_three_times_allocates_once(api_client, world, worker):
    distribution_id = start(api_client, world)
    run_distribution.delay(distribution_id)
    run_distribution.delay(distribution_id)  # concurrency 2: two of them run side by side

    assert wait_until(lambda: finished_tasks(worker, run_distribution.name) >= 3, timeout=TIMEOUT)
    assert_exactly_once(world, distribution_id)

    run_distribution.delay(distribution_id)  # and once more after it is done
    assert wait_until(lambda: finished_tasks(worker, run_distribution.name) >= 4, timeout=60)
    assert_exactly_once(world, distribution_id)
    assert "raised" not in worker.log()


@pytest.mark.parametrize("worker", [10], indirect=True)
def test_a_worker_killed_mid_run_and_a_new_one_leave_one_allocation_each(api_client, world, worker):
    distribution_id = start(api_client, world)
    watch(distribution_id, lambda d: d.status == DistributionStatus.RUNNING and d.allocated >= 300)

    worker.kill()

    at_crash = Distribution.objects.get(pk=distribution_id)
    assert at_crash.status == DistributionStatus.RUNNING
    assert at_crash.allocated < TARGETS, "the worker was killed before the end"
    # Every committed chunk is whole: the counters match the rows, and the stock was taken once.
    assert KitRequest.objects.filter(distribution_id=distribution_id).count() == at_crash.allocated
    kit = Kit.objects.get(pk=world["kit"].pk)
    assert kit.quantity_available == STOCK - TARGETS * PER_FACILITY
    assert at_crash.reserved == (TARGETS - at_crash.allocated) * PER_FACILITY

    worker.start()
    watch(distribution_id, finished)

    assert_exactly_once(world, distribution_id)


def test_stock_gone_before_the_worker_runs_it_fails_and_changes_nothing(api_client, world, worker):
    worker.stop()
    distribution_id = start(api_client, world)
    Kit.objects.filter(pk=world["kit"].pk).update(quantity_available=100)

    worker.start()
    distribution, _ = watch(distribution_id, finished)

    assert distribution.status == DistributionStatus.FAILED
    assert str(TARGETS * PER_FACILITY) in distribution.error and "100" in distribution.error
    assert not KitRequest.objects.filter(distribution_id=distribution_id).exists()
    assert (distribution.processed, distribution.allocated) == (0, 0)
    assert Kit.objects.get(pk=world["kit"].pk).quantity_available == 100
