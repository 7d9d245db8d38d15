"""Two overlapping stops planned at the same moment: exactly one wins, on PostgreSQL.

Both threads pass the service's overlap check before either writes (a barrier right after the
check makes the interleaving certain), so only the exclusion constraint stands between them
and a set at two places at once. The negative control drops the constraint and shows that the
same race then gives two winners: the test would catch its loss.
"""

import threading

import pytest
from django.db import connection
from django.utils import translation

from config.errors import DomainError
from events import services
from events.models import TourStop
from facilities.roles import get_scope
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    if connection.vendor != "postgresql":
        pytest.skip("the race is decided by PostgreSQL's exclusion constraint")
    world = build_field_world(exhibits=0)
    get_scope(world.staff)
    get_scope(world.coordinator)
    return world


def race(world, monkeypatch):
    """Two managers plan overlapping stops of the same set at once; the outcomes."""
    barrier = threading.Barrier(2)
    real_check = services.overlapping_stops

    def check_then_wait(**kwargs):
        found = real_check(**kwargs)
        exists = found.exists()
        barrier.wait(timeout=10)  # both threads have checked; neither has written
        return found if exists else found.none()

    monkeypatch.setattr(services, "overlapping_stops", check_then_wait)
    outcomes = [None, None]

    def plan(index, user, start, end):
        try:
            connection.ensure_connection()
            with translation.override("en"):
                services.plan_stop(
                    by=user,
                    exhibition_set=world.exhibition_set,
                    region=world.other_county,
                    venue=f"venue {index}",
                    starts_on=days(start),
                    ends_on=days(end),
                )
            outcomes[index] = "planned"
        except DomainError as error:
            outcomes[index] = ("refused", str(error.message))
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            outcomes[index] = ("crash", repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=plan, args=(0, world.staff, 0, 60)),
        threading.Thread(target=plan, args=(1, world.coordinator, 30, 90)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_overlapping_plans_at_once_exactly_one_wins(world, monkeypatch):
    outcomes = race(world, monkeypatch)
    assert sorted(map(str, outcomes)).count("planned") == 1, outcomes
    refused = next(o for o in outcomes if o != "planned")
    assert refused[0] == "refused", outcomes
    assert "just planned" in refused[1]
    assert TourStop.objects.count() == 1


def test_negative_control_without_the_constraint_both_win(world, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE events_tourstop DROP CONSTRAINT tour_stop_no_overlap")
    try:
        outcomes = race(world, monkeypatch)
        assert outcomes == ["planned", "planned"]
        assert TourStop.objects.count() == 2  # the set would be at two places at once
    finally:
        TourStop.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE events_tourstop ADD CONSTRAINT tour_stop_no_overlap EXCLUDE "
                "USING gist (exhibition_set_id WITH =, daterange(starts_on, ends_on, '[]') "
                "WITH &&) WHERE (NOT (status = 'cancelled'))"
            )


def open_race(world, monkeypatch):
    """Two stops of the same set opened at the same moment, both past the service's check."""
    first = services.plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="first",
        starts_on=days(-20),
        ends_on=days(-11),
    )
    second = services.plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.county,
        venue="second",
        starts_on=days(-10),
        ends_on=days(10),
    )
    barrier = threading.Barrier(2)
    real_check = services.other_open_stop

    def check_then_wait(stop):
        found = real_check(stop)
        barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(services, "other_open_stop", check_then_wait)
    outcomes = [None, None]

    def open_one(index, stop):
        try:
            connection.ensure_connection()
            with translation.override("en"):
                services.open_stop(by=None, stop=stop)
            outcomes[index] = "opened"
        except DomainError as error:
            outcomes[index] = ("refused", str(error.message))
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            outcomes[index] = ("crash", repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=open_one, args=(i, stop)) for i, stop in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_stops_of_a_set_opened_at_once_exactly_one_opens(world, monkeypatch):
    outcomes = open_race(world, monkeypatch)
    assert outcomes.count("opened") == 1, outcomes
    refused = next(o for o in outcomes if o != "opened")
    assert refused[0] == "refused" and "opened just now" in refused[1]
    assert TourStop.objects.filter(status="open").count() == 1


def test_negative_control_without_the_partial_index_two_stops_open(world, monkeypatch):
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX tour_stop_one_open_per_set")
    try:
        assert open_race(world, monkeypatch) == ["opened", "opened"]
        assert TourStop.objects.filter(status="open").count() == 2
    finally:
        TourStop.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE UNIQUE INDEX tour_stop_one_open_per_set ON events_tourstop "
                "(exhibition_set_id) WHERE status = 'open'"
            )
