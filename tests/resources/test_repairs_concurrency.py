"""Two hand-over checklists written at the same moment, on PostgreSQL.

Each checklist runs in its own thread and connection. The service locks the stop, then the
set's exhibits in primary-key order, and a unique constraint allows one checklist per stop
and stage. The tests widen the window between the service's "already recorded?" check and
its write, so that the second checklist arrives while the first is being written:
- the same checklist twice gives one checklist and one ticket, and the other writer is told;
- two checklists of the same set at two stops both land, without a deadlock;
- the negative control removes the locks and the constraint, and the same race then writes
  the checklist twice: the first test would catch their loss.
"""

import threading
import time

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.utils import translation

from config.errors import DomainError
from events.models import TourStop, TourStopStatus
from facilities.roles import get_scope
from resources.models import HandOver, RepairTicket
from resources.services import repairs as services
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite writes one transaction at a time")
    world = build_field_world(exhibits=5)
    world.exhibits = list(world.exhibition_set.exhibits.order_by("pk"))
    world.stop = _stop(world, -60, -1, TourStopStatus.CLOSED)
    world.next_stop = _stop(world, 5, 60, TourStopStatus.PLANNED)
    get_scope(world.staff)
    get_scope(world.coordinator)
    return world


def _stop(world, start, end, status):
    return TourStop.objects.create(
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue=f"体育馆 {start}",
        starts_on=days(start),
        ends_on=days(end),
        status=status,
        host=world.host,
    )


def _items(world, damaged):
    return [(e.pk, "damaged" if e.pk == damaged.pk else "ok", "") for e in world.exhibits]


def _record_together(calls):
    """Run each (user, stop, stage, items) checklist in its own thread; their outcomes."""
    outcomes = [None] * len(calls)

    def record(index, by, stop, stage, items):
        try:
            connection.ensure_connection()
            with translation.override("en"):
                handover = services.record_handover(by=by, stop=stop, stage=stage, items=items)
            outcomes[index] = ("recorded", handover.pk)
        except DomainError as error:
            outcomes[index] = ("refused", str(error.message))
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            outcomes[index] = ("crash", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _slow_checks(monkeypatch, seconds=0.5):
    """Hold each checklist for a moment after its checks, before it writes anything."""
    real = services.checklist_problems

    def slow(**kwargs):
        problems = real(**kwargs)
        time.sleep(seconds)
        return problems

    monkeypatch.setattr(services, "checklist_problems", slow)


def test_the_same_checklist_sent_twice_at_once_is_recorded_once(world, monkeypatch):
    _slow_checks(monkeypatch)
    damaged = world.exhibits[1]
    items = _items(world, damaged)
    outcomes = _record_together(
        [
            (world.staff, world.stop, "dismantle", items),
            (world.coordinator, world.stop, "dismantle", items),
        ]
    )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["recorded", "refused"], outcomes
    refusal = next(message for kind, message in outcomes if kind == "refused")
    assert "recorded for the stop already" in refusal
    assert HandOver.objects.filter(stop=world.stop, stage="dismantle").count() == 1
    assert list(RepairTicket.objects.values_list("exhibit_id", flat=True)) == [damaged.pk]


def test_checklists_of_one_set_at_two_stops_at_once_both_land_without_a_deadlock(
    world, monkeypatch
):
    _slow_checks(monkeypatch)
    outcomes = _record_together(
        [
            (world.staff, world.stop, "dismantle", _items(world, world.exhibits[0])),
            (world.coordinator, world.next_stop, "setup", _items(world, world.exhibits[4])),
        ]
    )

    assert [kind for kind, _ in outcomes] == ["recorded", "recorded"], outcomes
    assert HandOver.objects.count() == 2
    assert sorted(RepairTicket.objects.values_list("exhibit_id", flat=True)) == [
        world.exhibits[0].pk,
        world.exhibits[4].pk,
    ]


def test_negative_control_without_locks_and_constraint_the_checklist_is_written_twice(
    world, monkeypatch
):
    # Both writers pass the "already recorded?" check before either writes.
    barrier = threading.Barrier(2)
    real = services.checklist_problems

    def check_then_wait(**kwargs):
        problems = real(**kwargs)
        barrier.wait(timeout=10)
        return problems

    monkeypatch.setattr(services, "checklist_problems", check_then_wait)
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE resources_handover DROP CONSTRAINT handover_once_per_stage")
    try:
        items = _items(world, world.exhibits[1])
        outcomes = _record_together(
            [
                (world.staff, world.stop, "dismantle", items),
                (world.coordinator, world.stop, "dismantle", items),
            ]
        )
        written = HandOver.objects.filter(stop=world.stop, stage="dismantle").count()
    finally:
        HandOver.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE resources_handover ADD CONSTRAINT handover_once_per_stage "
                "UNIQUE (stop_id, stage)"
            )

    assert [kind for kind, _ in outcomes] == ["recorded", "recorded"], outcomes
    assert written == 2
