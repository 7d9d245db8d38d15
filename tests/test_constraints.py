"""The database itself refuses impossible rows, and stock is never oversold under concurrency."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from campaigns.models import Participation, ParticipationStatus
from config.errors import InsufficientStock
from resources.models import Distribution, Kit, KitRequest, KitRequestOrigin, KitRequestStatus
from resources.services.stock import take_stock
from tests import factories


def refused(callable_):
    """Run callable_ in a savepoint and report whether the database refused it."""
    try:
        with transaction.atomic():
            callable_()
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
class TestKitStock:
    def test_available_can_be_anywhere_between_zero_and_total(self):
        kit = factories.KitFactory(quantity_total=20, quantity_available=20)
        for value in (0, 7, 20):
            assert not refused(
                lambda v=value: Kit.objects.filter(pk=kit.pk).update(quantity_available=v)
            )

    def test_available_below_zero_is_refused(self):
        kit = factories.KitFactory(quantity_total=20, quantity_available=0)
        assert refused(
            lambda: Kit.objects.filter(pk=kit.pk).update(
                quantity_available=F("quantity_available") - 1
            )
        )
        kit.refresh_from_db()
        assert kit.quantity_available == 0

    def test_available_above_total_is_refused(self):
        kit = factories.KitFactory(quantity_total=20, quantity_available=20)
        assert refused(
            lambda: Kit.objects.filter(pk=kit.pk).update(
                quantity_available=F("quantity_available") + 1
            )
        )
        assert refused(lambda: Kit.objects.filter(pk=kit.pk).update(quantity_total=19))
        kit.refresh_from_db()
        assert (kit.quantity_total, kit.quantity_available) == (20, 20)

    def test_a_new_kit_cannot_start_with_more_available_than_total(self):
        assert refused(
            lambda: Kit.objects.create(
                code="KIT-X", name="x", quantity_total=1, quantity_available=2
            )
        )


@pytest.mark.django_db
def test_a_facility_takes_part_in_a_campaign_once():
    participation = factories.ParticipationFactory()
    assert refused(
        lambda: Participation.objects.create(
            campaign=participation.campaign,
            facility=participation.facility,
            status=ParticipationStatus.APPLIED,
        )
    )
    # The same facility in another campaign is fine.
    assert not refused(lambda: factories.ParticipationFactory(facility=participation.facility))


@pytest.mark.django_db
def test_a_distribution_allocates_to_a_facility_once():
    kit = factories.KitFactory()
    facility = factories.FacilityFactory()
    distribution = Distribution.objects.create(kit=kit, quantity_per_facility=1)

    def allocate(dist=distribution):
        KitRequest.objects.create(
            kit=kit,
            facility=facility,
            quantity=1,
            status=KitRequestStatus.APPROVED,
            origin=KitRequestOrigin.DISTRIBUTION,
            distribution=dist,
        )

    assert not refused(allocate)
    assert refused(allocate)
    # Another distribution may allocate to it, and its own requests are not limited.
    other = Distribution.objects.create(kit=kit, quantity_per_facility=1)
    assert not refused(lambda: allocate(other))
    assert not refused(lambda: factories.KitRequestFactory(kit=kit, facility=facility))
    assert not refused(lambda: factories.KitRequestFactory(kit=kit, facility=facility))


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1])
def test_a_request_asks_for_at_least_one_unit(quantity):
    kit_request = factories.KitRequestFactory(quantity=1)
    assert refused(lambda: KitRequest.objects.filter(pk=kit_request.pk).update(quantity=quantity))


def run_concurrently(function, *, threads):
    """Call function in `threads` threads with their own connections, released together."""
    barrier = threading.Barrier(threads)
    results = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            outcome = function()
        except Exception as exc:  # noqa: BLE001 - reported to the test as an outcome
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert len(results) == threads, "a thread did not finish"
    return results


def take_one_unit(kit_id):
    try:
        with transaction.atomic():
            take_stock(kit_id=kit_id, quantity=1)
    except InsufficientStock:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_take_stock_never_oversells_under_real_concurrency():
    kit = factories.KitFactory(quantity_total=20, quantity_available=20)

    results = run_concurrently(lambda: take_one_unit(kit.pk), threads=50)

    assert [r for r in results if not isinstance(r, bool)] == []
    assert results.count(True) == 20
    assert results.count(False) == 30
    kit.refresh_from_db()
    assert kit.quantity_available == 0


@pytest.mark.django_db(transaction=True)
def test_negative_control_read_then_write_does_oversell_under_the_same_load():
    """The harness above catches the bug it guards against: a naive read-modify-write."""
    kit = factories.KitFactory(quantity_total=20, quantity_available=20)

    def naive_take():
        with transaction.atomic():
            current = Kit.objects.get(pk=kit.pk)
            if current.quantity_available < 1:
                return False
            time.sleep(0.05)  # widen the window between the read and the write
            current.quantity_available -= 1
            current.save(update_fields=["quantity_available"])
        return True

    results = run_concurrently(naive_take, threads=50)

    sold = results.count(True)
    assert sold > 20  # more units promised than the kit ever had
