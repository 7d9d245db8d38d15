"""Two-level stock under real concurrency: 40 approvals at once on a kit of 20 with
allotments of 10 and 5, by two coordinators and the administrator, each thread on its own
PostgreSQL connection. The negative controls swap in naive stock code (a read-modify-write of
the allotment, an unlocked check of the unallotted remainder) and show the checks catch it."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import F
from django.utils import translation

from config.errors import DomainError, InsufficientStock
from facilities.roles import get_scope
from resources.models import Allotment, Kit, KitRequest, KitRequestStatus
from resources.services import kits as services
from tests.resources.allotment_support import allotment_of, build_allotment_world

S = KitRequestStatus
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="needs concurrent PostgreSQL connections"
    ),
]


def run_together(calls):
    """Every call in its own thread and connection, released together by a barrier.

    One (outcome, value) per call: "ok", "refused" (a DomainError) or "crash" (anything else,
    e.g. a CHECK constraint violation: the check below fails on it).
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            try:
                with translation.override("en"):
                    outcomes[index] = ("ok", call())
            except DomainError as error:
                outcomes[index] = ("refused", error)
        except Exception as error:  # noqa: BLE001 - reported by the check
            outcomes[index] = ("crash", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.fixture
def world():
    world = build_allotment_world(total=20, allot_a=10, allot_b=5)
    for user in (world.admin, world.coordinator_a, world.coordinator_b):
        get_scope(user)  # warm the role caches: every thread reads the same scope
    return world


# Who approves what: (facility, approver, number of requests). 40 in all.
def plan(world):
    return [
        ("a", world.facility_a, world.coordinator_a, 14),
        ("a", world.facility_a, world.admin, 2),
        ("b", world.facility_b, world.coordinator_b, 10),
        ("b", world.facility_b, world.admin, 2),
        ("c", world.facility_c, world.admin, 12),
    ]


def forty_concurrent_approvals(world):
    calls, labels = [], []
    for label, facility, approver, count in plan(world):
        rows = KitRequest.objects.bulk_create(
            KitRequest(kit=world.kit, facility=facility, quantity=1) for _ in range(count)
        )
        for row in rows:
            calls.append(
                lambda pk=row.pk, by=approver: services.approve_request(
                    kit_request=KitRequest(pk=pk), by=by
                )
            )
            labels.append(label)
    assert len(calls) == 40
    return labels, run_together(calls)


def check_exact(world, labels, outcomes):
    crashes = [value for outcome, value in outcomes if outcome == "crash"]
    assert not crashes, crashes[0]
    ok = Counter(
        label for label, (outcome, _) in zip(labels, outcomes, strict=True) if outcome == "ok"
    )
    refused = [value for outcome, value in outcomes if outcome == "refused"]
    # Exactly the allotments for A and B, the unallotted remainder for C, 409 for the rest.
    assert ok == {"a": 10, "b": 5, "c": 5}
    assert len(refused) == 20
    assert all(
        isinstance(error, InsufficientStock) and error.status_code == 409 for error in refused
    )

    kit = Kit.objects.get(pk=world.kit.pk)
    a, b = allotment_of(world, world.province_a), allotment_of(world, world.province_b)
    assert (a.quantity, a.used, b.quantity, b.used) == (10, 10, 5, 5)
    assert (kit.quantity_total, kit.quantity_available) == (20, 0)
    assert (kit.quantity_allotted, kit.quantity_allotted_left) == (15, 0)
    approved = KitRequest.objects.filter(kit=kit, status=S.APPROVED)
    # Every approved request records where its unit came from, and the counters agree.
    assert approved.filter(allotment=a).count() == a.used
    assert approved.filter(allotment=b).count() == b.used
    assert approved.filter(allotment__isnull=True).count() == 5
    assert approved.filter(allotment__isnull=True, facility=world.facility_c).count() == 5
    assert approved.count() == kit.quantity_total - kit.quantity_available
    assert KitRequest.objects.filter(kit=kit, status=S.SUBMITTED).count() == 20
    assert KitRequest.objects.filter(kit=kit, transitions__to_status=S.APPROVED).count() == 20


def test_forty_concurrent_approvals_take_exactly_the_allotments_and_the_remainder(world):
    labels, outcomes = forty_concurrent_approvals(world)
    check_exact(world, labels, outcomes)


def test_cancelling_concurrently_gives_every_unit_back_where_it_came_from(world):
    labels, outcomes = forty_concurrent_approvals(world)
    check_exact(world, labels, outcomes)
    approved = list(KitRequest.objects.filter(kit=world.kit, status=S.APPROVED))
    outcomes = run_together(
        [
            (lambda pk=r.pk: services.cancel_request(kit_request=KitRequest(pk=pk), by=world.admin))
            for r in approved
        ]
    )
    assert Counter(outcome for outcome, _ in outcomes) == {"ok": 20}
    kit = Kit.objects.get(pk=world.kit.pk)
    assert (kit.quantity_available, kit.quantity_allotted, kit.quantity_allotted_left) == (
        20,
        15,
        15,
    )
    assert list(
        Allotment.objects.filter(kit=kit).order_by("pk").values_list("used", flat=True)
    ) == [0, 0]


def naive_take_allotted_stock(*, kit_id, allotment_id, quantity):
    """The bug to catch: read the allotment, check, write the new value back after a gap."""
    allotment = Allotment.objects.get(pk=allotment_id)
    if allotment.quantity - allotment.used < quantity:
        raise InsufficientStock(f"{allotment.quantity - allotment.used} left")
    time.sleep(0.02)
    Allotment.objects.filter(pk=allotment_id).update(used=allotment.used + quantity)
    kit = Kit.objects.get(pk=kit_id)
    Kit.objects.filter(pk=kit_id).update(
        quantity_available=kit.quantity_available - quantity,
        quantity_allotted_left=kit.quantity_allotted_left - quantity,
    )


def test_negative_control_read_modify_write_of_the_allotment_is_caught(world, monkeypatch):
    monkeypatch.setattr(services, "take_allotted_stock", naive_take_allotted_stock)
    labels, outcomes = forty_concurrent_approvals(world)
    with pytest.raises(AssertionError):
        check_exact(world, labels, outcomes)
    # …because more requests of A were approved from its allotment than it counts as used.
    a = allotment_of(world, world.province_a)
    assert KitRequest.objects.filter(allotment=a, status=S.APPROVED).count() > a.used


def unlocked_take_stock(*, kit_id, quantity):
    """The bug to catch: check the unallotted remainder on a plain read (no lock, no
    condition in the UPDATE), then take the units."""
    kit = Kit.objects.get(pk=kit_id)
    if kit.quantity_available - kit.quantity_allotted_left < quantity:
        raise InsufficientStock(f"{kit.quantity_available - kit.quantity_allotted_left} left")
    time.sleep(0.02)
    Kit.objects.filter(pk=kit_id).update(quantity_available=F("quantity_available") - quantity)


def test_negative_control_an_unlocked_check_of_the_remainder_is_caught(world, monkeypatch):
    monkeypatch.setattr(services, "take_stock", unlocked_take_stock)
    labels, outcomes = forty_concurrent_approvals(world)
    with pytest.raises(AssertionError):
        check_exact(world, labels, outcomes)
    # The CHECK constraint underneath refused what the naive code tried to take from A's and
    # B's allotted units: the kit never ends below what the allotments still hold.
    kit = Kit.objects.get(pk=world.kit.pk)
    assert kit.quantity_available >= kit.quantity_allotted_left
    assert any(outcome == "crash" for outcome, _ in outcomes)
