"""Reminders on the 3rd (idempotent, with a real worker), late facilities, and the pages of
the sign-off: a facility submits its month, the coordinator approves, the centre accepts."""

import datetime
import re

import pytest
from django.utils import timezone

from campaigns import assessment
from campaigns.models import MonthlyReminder, MonthlyReport, MonthlyReportStatus
from campaigns.tasks import remind_monthly_reports
from events.models import CaravanTripStatus
from facilities.roles import get_scope
from tests.campaigns.assessment_support import MARCH, D, build_march, new_world, stop, trip
from tests.fixtures.processes import wait_until

S = MonthlyReportStatus
RUN_DONE = re.compile(r"campaigns\.tasks\.remind_monthly_reports\[[^\]]+\] succeeded")


def last_month():
    return assessment.previous_month(assessment.first_of_month(timezone.localdate()))


def field_work_last_month(world):
    """The museum held a stop and the caravan planned a trip last month; the far museum held
    a stop too but has submitted its report; the host did nothing."""
    month = last_month()
    stop(world, month, month + datetime.timedelta(days=9))
    trip(
        world,
        month + datetime.timedelta(days=3),
        month + datetime.timedelta(days=4),
        status=CaravanTripStatus.APPROVED,
    )
    from resources.models import ExhibitionSet

    far_set = ExhibitionSet.objects.create(code="GD-02", name="广东展", operator=world.far_museum)
    stop(
        world,
        month,
        month + datetime.timedelta(days=5),
        region=world.far_county,
        exhibition_set=far_set,
    )
    report = assessment.create_report(by=None, facility=world.far_museum, month=month)
    assessment.submit_report(report=report, by=None)


@pytest.mark.celery_worker
def test_the_reminder_mails_each_late_facility_once_even_when_run_twice(real_celery_worker):
    world = new_world()
    field_work_last_month(world)

    remind_monthly_reports.delay()
    remind_monthly_reports.delay()

    def both_runs_done():
        return len(RUN_DONE.findall(real_celery_worker.log())) >= 2

    assert wait_until(both_runs_done, timeout=60), real_celery_worker.log()
    messages = wait_until(
        lambda: len(real_celery_worker.outbox()) >= 2 and real_celery_worker.outbox(), timeout=30
    )
    assert messages, real_celery_worker.log()
    # Both runs have finished and the mail tasks they queued have been sent: exactly two.
    assert wait_until(lambda: real_celery_worker.queued() == 0, timeout=30) is not None
    recipients = sorted(m["To"] for m in real_celery_worker.outbox())
    assert recipients == ["caravan-staff@example.org", "museum-staff@example.org"]
    assert MonthlyReminder.objects.filter(month=last_month()).count() == 2


def test_a_second_run_sends_nothing_more(db):
    world = new_world()
    build_march(world)
    first = assessment.send_monthly_reminders(today=D(2026, 4, 3))
    assert sorted(first) == sorted([world.museum.pk, world.caravan.pk])
    assert assessment.send_monthly_reminders(today=D(2026, 4, 3)) == []
    assert MonthlyReminder.objects.count() == 2


def test_coordinators_see_their_late_facilities(db):
    world = new_world()
    build_march(world)
    late = assessment.late_facilities(user=world.coordinator, today=D(2026, 4, 15))
    assert {(row["facility"].pk, row["month"]) for row in late} >= {
        (world.museum.pk, MARCH),
        (world.caravan.pk, MARCH),
    }
    report = assessment.create_report(by=world.staff, facility=world.museum, month=MARCH)
    assessment.submit_report(report=report, by=world.staff)
    late = assessment.late_facilities(user=world.coordinator, today=D(2026, 4, 15))
    assert (world.museum.pk, MARCH) not in {(row["facility"].pk, row["month"]) for row in late}
    # Before the due day nothing of March is late yet.
    early = assessment.late_facilities(user=world.coordinator, today=D(2026, 4, 5))
    assert all(row["month"] < MARCH for row in early)
    assert assessment.late_facilities(user=world.staff, today=D(2026, 4, 15)) == []


def test_the_sign_off_on_the_pages(db, client):
    world = new_world()
    build_march(world)
    client.force_login(world.staff)
    page = client.get("/reports/")
    assert page.status_code == 200 and b"month-%d-2026-03" % world.museum.pk in page.content
    response = client.post("/reports/new/", {"facility": world.museum.pk, "month": "2026-03"})
    report = MonthlyReport.objects.get(facility=world.museum, month=MARCH)
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    detail = client.get(f"/reports/{report.pk}/")
    assert b"420" in detail.content  # the month's audience, computed
    client.post(f"/reports/{report.pk}/summary/", {"summary": "三月两站"})
    client.post(f"/reports/{report.pk}/submit/", {"summary": "三月两站，一次活动"})
    report.refresh_from_db()
    assert (report.status, report.summary) == (S.SUBMITTED, "三月两站，一次活动")

    client.force_login(world.far_coordinator)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    client.force_login(world.coordinator)
    queue = client.get("/reports/")
    assert b'id="queue-%d"' % report.pk in queue.content
    client.post(f"/reports/{report.pk}/approve/", {"next": "queue"})
    report.refresh_from_db()
    assert report.status == S.PROVINCE_APPROVED

    client.force_login(world.admin)
    get_scope(world.admin)
    queue = client.get("/reports/")
    assert b'id="queue-%d"' % report.pk in queue.content
    response = client.post(f"/reports/{report.pk}/approve/", {}, HTTP_ACCEPT_LANGUAGE="en")
    report.refresh_from_db()
    assert report.status == S.ACCEPTED
    table = client.get(f"/campaigns/{world.campaign.slug}/assessment/?year=2026")
    assert b'id="province-230000"' in table.content


def test_a_refused_step_on_the_pages_is_a_message(db, client):
    world = new_world()
    build_march(world)
    report = assessment.create_report(by=world.staff, facility=world.museum, month=MARCH)
    client.force_login(world.coordinator)
    response = client.post(
        f"/reports/{report.pk}/return/", {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert b"Say why the report goes back" in response.content
    response = client.post(
        f"/reports/{report.pk}/approve/", {}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert b"Only a submitted or province-approved report can be approved" in response.content
    assert MonthlyReport.objects.get(pk=report.pk).status == S.DRAFT
    client.force_login(world.staff)
    response = client.post(
        "/reports/new/",
        {"facility": world.museum.pk, "month": "2026-03"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert b"exists already" in response.content


def test_the_demo_has_reports_at_every_stage(db, settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_demo", stdout=StringIO())
    statuses = set(MonthlyReport.objects.values_list("status", flat=True))
    assert statuses == {S.SUBMITTED, S.PROVINCE_APPROVED, S.ACCEPTED}
    assert all(r.is_frozen and r.figures for r in MonthlyReport.objects.all())
