"""An attendance entry racing the submission of its month, on PostgreSQL.

Whatever the interleaving, an entry either lands before the frozen figures are taken (and is
in them) or is refused: never in the month but missing from the figures. Both sides lock the
facility row first. The interleavings are forced: the attendance side has passed the frozen
check and waits until the submission is blocked on the lock (or, without the lock, done).
The negative control removes the lock and shows that the same race then loses the entry.
"""

import threading
import time

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from campaigns import assessment
from campaigns.models import MonthlyReport
from events import services as field
from events.models import StopAttendance
from facilities.roles import get_scope
from tests.campaigns.assessment_support import MARCH, D, build_march, museum_march, new_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks and separate connections")
    world = new_world()
    build_march(world)
    get_scope(world.staff)
    world.report = museum_march(world)
    world.stop = world.exhibition_set.stops.get(starts_on=D(2026, 2, 20))
    return world


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def waits_for_a_lock(pids, key):
    """Whether the other side's connection waits for a lock now (read afresh every time)."""
    if key not in pids:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = %s", [pids[key]])
        return cursor.fetchone()[0] > 0


def wait_for(condition, limit=20.0):
    """Poll until the condition holds; the limit only keeps a broken run from hanging."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the other side never got there")
        time.sleep(0.01)


def run(*targets):
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


def in_thread(outcome, key, call):
    def target():
        try:
            with translation.override("en"):
                outcome[key] = call()
        except assessment.MonthFrozen as error:
            outcome[key] = ("refused", str(error.message))
        except Exception as error:  # noqa: BLE001 - reported by the assertions
            outcome[key] = ("crash", repr(error))
        finally:
            connection.close()

    return target


def attendance_checks_first(world, monkeypatch):
    """The entry passes the frozen check, then the submission starts; the entry writes once
    the submission is blocked on the lock or has finished."""
    checked, submitted = threading.Event(), threading.Event()
    real_guard = field.ensure_month_open
    pids = {}

    def guard_then_wait(**kwargs):
        real_guard(**kwargs)
        checked.set()
        wait_for(lambda: submitted.is_set() or waits_for_a_lock(pids, "submit"))

    monkeypatch.setattr(field, "ensure_month_open", guard_then_wait)
    outcome = {}

    def submit():
        checked.wait(timeout=20)
        pids["submit"] = backend_pid()
        try:
            return assessment.submit_report(report=world.report, by=world.staff)
        finally:
            submitted.set()

    run(
        in_thread(
            outcome,
            "entry",
            lambda: field.record_attendance(
                by=world.staff, stop=world.stop, date=D(2026, 3, 5), visitors=64
            ),
        ),
        in_thread(outcome, "report", submit),
    )
    return outcome


def month_in_database(world):
    return StopAttendance.objects.filter(
        stop__exhibition_set__operator=world.museum, date__gte=MARCH, date__lte=D(2026, 3, 31)
    ).aggregate(total=Sum("visitors"))["total"]


def test_an_entry_that_passed_the_check_is_in_the_frozen_figures(world, monkeypatch):
    outcome = attendance_checks_first(world, monkeypatch)
    assert isinstance(outcome["entry"], StopAttendance), outcome
    assert isinstance(outcome["report"], MonthlyReport), outcome
    report = MonthlyReport.objects.get(pk=world.report.pk)
    assert month_in_database(world) == 180 + 64
    assert report.figures["stop_audience"] == 180 + 64  # the entry is in the figures


def test_an_entry_that_comes_while_the_month_is_being_submitted_is_refused(world, monkeypatch):
    locked = threading.Event()
    real_compute = assessment.compute_figures
    pids = {}

    def compute_while_the_entry_waits(**kwargs):
        locked.set()  # the submission holds the facility's lock from here on
        wait_for(lambda: waits_for_a_lock(pids, "entry"))
        return real_compute(**kwargs)

    monkeypatch.setattr(assessment, "compute_figures", compute_while_the_entry_waits)
    outcome = {}

    def record():
        locked.wait(timeout=20)
        pids["entry"] = backend_pid()
        return field.record_attendance(
            by=world.staff, stop=world.stop, date=D(2026, 3, 5), visitors=64
        )

    run(
        in_thread(
            outcome, "report", lambda: assessment.submit_report(report=world.report, by=world.staff)
        ),
        in_thread(outcome, "entry", record),
    )
    assert isinstance(outcome["report"], MonthlyReport), outcome
    assert outcome["entry"][0] == "refused", outcome
    assert f"report #{world.report.pk}" in outcome["entry"][1]
    assert month_in_database(world) == 180
    assert MonthlyReport.objects.get(pk=world.report.pk).figures["stop_audience"] == 180


def test_negative_control_without_the_lock_the_entry_is_lost(world, monkeypatch):
    monkeypatch.setattr(assessment, "_lock_facility", lambda facility_id: None)
    outcome = attendance_checks_first(world, monkeypatch)
    assert isinstance(outcome["entry"], StopAttendance), outcome
    report = MonthlyReport.objects.get(pk=world.report.pk)
    assert month_in_database(world) == 180 + 64
    assert report.figures["stop_audience"] == 180  # in the month, missing from the figures
