"""Monthly reports: figures of a hand-built month, every transition and refusal, the
frozen-month rule at every door, the list's query count."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from campaigns import assessment
from campaigns.models import MonthlyReport, MonthlyReportStatus
from config.errors import InvalidTransition, NotAllowed
from events import services as field
from events.models import ActivityStatus, CaravanTripStatus, StopAttendance
from tests.campaigns.assessment_support import (
    MARCH,
    D,
    activity,
    build_march,
    local,
    museum_march,
    new_world,
    stop,
    trip,
)

S = MonthlyReportStatus
API = "/api/v1/monthly-reports/"


@pytest.fixture
def world(db):
    world = new_world()
    build_march(world)
    return world


def test_figures_of_a_hand_built_month(world):
    museum = assessment.compute_figures(facility_id=world.museum.pk, month=MARCH)
    assert museum == {
        "stops": 2,
        "stop_days": 22,  # 1–10 March of the spanning stop, 20–31 March of the later one
        "attendance_days": 3,
        "stop_audience": 180,
        "school_groups": 3,
        "trips": 0,
        "days_out": 0,
        "distance_km": 0,
        "trip_audience": 0,
        "activities": 2,  # 15 March and 31 March 23:30 local; not 1 April 00:30
        "activity_audience": 240,
        "kit_receipts": 1,
        "kit_units_received": 3,
        "audience": 420,
        "counties": [world.county.code, world.other_county.code],
    }
    caravan = assessment.compute_figures(facility_id=world.caravan.pk, month=MARCH)
    assert (caravan["trips"], caravan["days_out"], caravan["distance_km"]) == (1, 4, 300)
    assert caravan["trip_audience"] == caravan["audience"] == 500
    assert caravan["counties"] == [world.county.code]
    april = assessment.compute_figures(facility_id=world.museum.pk, month=D(2026, 4, 1))
    assert (april["stops"], april["stop_days"], april["stop_audience"]) == (1, 15, 777)
    assert (april["activities"], april["activity_audience"]) == (1, 900)


def test_batch_computation_agrees_with_one_month_at_a_time(world):
    pairs = [(world.museum.pk, MARCH), (world.caravan.pk, MARCH), (world.museum.pk, D(2026, 2, 1))]
    batch = assessment.compute_figures_for(pairs)
    for facility_id, month in pairs:
        assert batch[(facility_id, month)] == assessment.compute_figures(
            facility_id=facility_id, month=month
        )
    assert batch[(world.museum.pk, D(2026, 2, 1))]["stop_audience"] == 999


def test_the_whole_sign_off_and_its_timeline(world):
    report = museum_march(world)
    assert report.status == S.DRAFT and report.figures["audience"] == 420
    report = assessment.submit_report(report=report, by=world.staff, summary=" 三月巡展顺利 ")
    assert (report.status, report.summary) == (S.SUBMITTED, "三月巡展顺利")
    report = assessment.approve_report(report=report, by=world.coordinator, note="核实无误")
    assert report.status == S.PROVINCE_APPROVED and report.approved_at
    report = assessment.approve_report(report=report, by=world.admin)
    assert report.status == S.ACCEPTED and report.accepted_at
    steps = list(report.transitions.values_list("from_status", "to_status", "by__username", "note"))
    assert steps == [
        ("", S.DRAFT, "museum-staff", ""),
        (S.DRAFT, S.SUBMITTED, "museum-staff", ""),
        (S.SUBMITTED, S.PROVINCE_APPROVED, "coord", "核实无误"),
        (S.PROVINCE_APPROVED, S.ACCEPTED, "field-admin", ""),
    ]
    assert report.history.count() >= 4  # simple-history keeps every saved state


def test_refusals_of_each_transition(world):
    with translation.override("en"):
        with pytest.raises(ValidationError, match="facility you work for"):
            assessment.create_report(by=world.outsider, facility=world.museum, month=MARCH)
        this_month = assessment.first_of_month(datetime.date.today())
        with pytest.raises(ValidationError, match="ended"):
            assessment.create_report(by=world.staff, facility=world.museum, month=this_month)
        report = museum_march(world)
        with pytest.raises(Exception, match="exists already"):
            museum_march(world)
        with pytest.raises(InvalidTransition):
            assessment.approve_report(report=report, by=world.coordinator)  # still a draft
        with pytest.raises(NotAllowed):
            assessment.submit_report(report=report, by=world.coordinator)
        report = assessment.submit_report(report=report, by=world.staff)
        with pytest.raises(InvalidTransition):
            assessment.submit_report(report=report, by=world.staff)
        with pytest.raises(NotAllowed, match="province approves"):
            assessment.approve_report(report=report, by=world.admin)
        with pytest.raises(NotAllowed):
            assessment.approve_report(report=report, by=world.far_coordinator)
        with pytest.raises(ValidationError, match="Say why"):
            assessment.return_report(report=report, by=world.coordinator, reason="  ")
        report = assessment.approve_report(report=report, by=world.coordinator)
        with pytest.raises(NotAllowed, match="administrator"):
            assessment.approve_report(report=report, by=world.coordinator)
        with pytest.raises(InvalidTransition, match="Only a draft report can be changed"):
            assessment.save_summary(report=report, by=world.staff, summary="x")
        report = assessment.approve_report(report=report, by=world.admin)
        with pytest.raises(InvalidTransition):
            assessment.return_report(report=report, by=world.admin, reason="too late")


def test_figures_are_recomputed_in_draft_and_frozen_from_submission(world):
    report = museum_march(world)
    later = stop(world, D(2026, 3, 11), D(2026, 3, 19))
    StopAttendance.objects.create(stop=later, date=D(2026, 3, 12), visitors=5)
    assessment.attach_current_figures([report])
    assert report.current_figures["stop_audience"] == 185  # recomputed while a draft
    report = assessment.submit_report(report=report, by=world.staff)
    StopAttendance.objects.create(stop=later, date=D(2026, 3, 13), visitors=7)  # behind the guard
    report.refresh_from_db()
    assessment.attach_current_figures([report])
    assert report.figures["stop_audience"] == report.current_figures["stop_audience"] == 185


def test_returning_unfreezes_the_month_and_shows_the_reason(world):
    spanning = world.exhibition_set.stops.get(starts_on=D(2026, 2, 20))
    report = assessment.submit_report(report=museum_march(world), by=world.staff)
    with translation.override("en"), pytest.raises(assessment.MonthFrozen) as refused:
        field.record_attendance(by=world.staff, stop=spanning, date=D(2026, 3, 5), visitors=10)
    assert f"report #{report.pk}" in str(refused.value.message)
    assert "2026-03" in str(refused.value.message)
    # February is not frozen by the March report.
    field.record_attendance(by=world.staff, stop=spanning, date=D(2026, 2, 25), visitors=10)
    report = assessment.return_report(report=report, by=world.coordinator, reason="三月缺一天")
    assert (report.status, report.returned_reason) == (S.DRAFT, "三月缺一天")
    field.record_attendance(by=world.staff, stop=spanning, date=D(2026, 3, 5), visitors=10)
    report = assessment.submit_report(report=report, by=world.staff)
    assert report.figures["stop_audience"] == 190


def test_every_service_refuses_a_frozen_month(world):
    spanning = world.exhibition_set.stops.get(starts_on=D(2026, 2, 20))
    entry = spanning.attendance.get(date=D(2026, 3, 1))
    caravan_trip = trip(world, D(2026, 3, 8), D(2026, 3, 9), status=CaravanTripStatus.APPROVED)
    pending = activity(world, local(2026, 3, 20), 10, status=ActivityStatus.REPORTED)
    assessment.submit_report(report=museum_march(world), by=world.staff)
    assessment.submit_report(
        report=assessment.create_report(
            by=world.caravan_staff, facility=world.caravan, month=MARCH
        ),
        by=world.caravan_staff,
    )
    calls = [
        lambda: field.record_attendance(
            by=world.staff, stop=spanning, date=D(2026, 3, 2), visitors=1
        ),
        lambda: field.remove_attendance(by=world.staff, entry=entry),
        lambda: field.report_trip(
            by=world.caravan_staff,
            trip=caravan_trip,
            distance_km=10,
            audience_total=10,
            activities_count=1,
        ),
        lambda: field.report_activity(
            by=world.staff,
            campaign=world.campaign,
            facility=world.museum,
            kind="lecture",
            title="late lecture",
            starts_at=local(2026, 3, 21),
        ),
        lambda: field.update_activity(activity=pending, by=world.staff, audience_count=99),
        # Moving an activity of an open month into the frozen one is refused too.
        lambda: field.update_activity(
            activity=activity(world, local(2026, 5, 2), 1, status=ActivityStatus.REPORTED),
            by=world.staff,
            starts_at=local(2026, 3, 3),
        ),
        lambda: field.verify_activity(activity=pending, by=world.coordinator),
        lambda: field.reject_activity(activity=pending, by=world.coordinator, reason="no"),
    ]
    for call in calls:
        with pytest.raises(assessment.MonthFrozen):
            call()
    assert StopAttendance.objects.filter(pk=entry.pk).exists()
    caravan_trip.refresh_from_db()
    pending.refresh_from_db()
    assert caravan_trip.status == CaravanTripStatus.APPROVED
    assert (pending.status, pending.audience_count) == (ActivityStatus.REPORTED, 10)


def test_the_api_answers_409_naming_the_report(world, api_client):
    spanning = world.exhibition_set.stops.get(starts_on=D(2026, 2, 20))
    report = assessment.submit_report(report=museum_march(world), by=world.staff)
    api_client.force_authenticate(world.staff)
    response = api_client.post(
        f"/api/v1/tour-stops/{spanning.pk}/attendance/",
        {"date": "2026-03-03", "visitors": 12},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409, response.content
    assert f"report #{report.pk}" in response.json()["detail"]
    response = api_client.post(
        "/api/v1/activities/",
        {
            "campaign": world.campaign.pk,
            "facility": world.museum.pk,
            "kind": "lecture",
            "title": "t",
            "starts_at": "2026-03-22T10:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 409, response.content


def test_the_admin_refuses_a_frozen_month(world, client):
    spanning = world.exhibition_set.stops.get(starts_on=D(2026, 2, 20))
    entry = spanning.attendance.get(date=D(2026, 3, 1))
    verified = world.museum.activities.get(audience_count=200)
    assessment.submit_report(report=museum_march(world), by=world.staff)
    client.force_login(world.admin)
    response = client.post(
        "/admin/events/stopattendance/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # An entry of a frozen month is not deletable there: the admin refuses the deletion.
    assert response.status_code == 403
    assert client.get(f"/admin/events/stopattendance/{entry.pk}/delete/").status_code == 403
    assert StopAttendance.objects.filter(pk=entry.pk).exists()
    # The change form of an activity of the month: refused with the message, nothing saved.
    page = client.get(f"/admin/events/activity/{verified.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "campaign": world.campaign.pk,
            "facility": world.museum.pk,
            "region": world.county.code,
            "starts_at_0": "2026-03-15",
            "starts_at_1": "10:00:00",
            "audience_count": 99999,
            "photos-TOTAL_FORMS": 0,
            "photos-INITIAL_FORMS": 0,
        }
    )
    data.pop("starts_at", None)
    data.pop("ends_at", None)
    response = client.post(
        f"/admin/events/activity/{verified.pk}/change/", data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"can no longer be added, changed or removed" in response.content
    verified.refresh_from_db()
    assert verified.audience_count == 200


def test_the_api_flow_and_scoping(world, api_client):
    api_client.force_authenticate(world.staff)
    response = api_client.post(
        API, {"facility": world.museum.pk, "month": "2026-03"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["month"] == "2026-03" and body["status"] == "draft"
    assert body["figures"]["audience"] == 420
    assert set(body) >= {"id", "facility", "month", "status", "figures", "submitted_at"}
    assert {"approved_at", "returned_reason"} <= set(body)
    report_id = body["id"]
    assert api_client.post(API, {"facility": world.museum.pk, "month": "2026-3"}).status_code == 400
    again = api_client.post(API, {"facility": world.museum.pk, "month": "2026-03"}, format="json")
    assert again.status_code == 409
    assert api_client.post(f"{API}{report_id}/submit/", {}, format="json").status_code == 200

    api_client.force_authenticate(world.far_coordinator)
    assert api_client.get(f"{API}{report_id}/").status_code == 404
    assert api_client.get(API).json()["count"] == 0
    api_client.force_authenticate(world.admin)
    assert api_client.post(f"{API}{report_id}/approve/").status_code == 403
    api_client.force_authenticate(world.coordinator)
    assert api_client.post(f"{API}{report_id}/return/", {}, format="json").status_code == 400
    response = api_client.post(f"{API}{report_id}/approve/", {}, format="json")
    assert response.json()["status"] == "province_approved"
    api_client.force_authenticate(world.admin)
    response = api_client.post(f"{API}{report_id}/return/", {"reason": "核对公里数"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["returned_reason"]) == (
        "draft",
        "核对公里数",
    )
    assert response.json()["submitted_at"] is None
    api_client.force_authenticate(None)
    assert api_client.get(API).status_code == 401


def test_the_list_takes_the_same_queries_at_two_sizes(world, api_client):
    from tests import factories

    def add_facilities(count):
        for _n in range(count):
            facility = factories.FacilityFactory(region=world.county)
            for index, month in enumerate((D(2026, 1, 1), D(2026, 2, 1), MARCH)):
                MonthlyReport.objects.create(
                    facility=facility, month=month, status=S.SUBMITTED if index else S.DRAFT
                )

    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(API, {"page_size": 100})
        assert response.status_code == 200
        return response.json()["count"], len(queries)

    api_client.force_authenticate(world.admin)
    museum_march(world)
    add_facilities(2)
    list_queries()  # the admin's scope is read once and kept on the user
    small = list_queries()
    add_facilities(10)
    large = list_queries()
    assert (small[0], large[0]) == (7, 37)
    # count, page, five figure queries for all the drafts together
    assert small[1] == large[1] == 7, (small, large)


def test_the_admin_changelist_takes_the_same_queries_at_two_sizes(world, client):
    from tests import factories

    def add(count):
        for _n in range(count):
            facility = factories.FacilityFactory(region=world.county)
            MonthlyReport.objects.create(facility=facility, month=MARCH)

    def changelist_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/campaigns/monthlyreport/")
        assert response.status_code == 200
        return len(queries)

    client.force_login(world.admin)
    add(3)
    small = changelist_queries()
    add(20)
    assert changelist_queries() == small


def test_the_pages_refuse_a_frozen_month_with_the_message(world, client):
    spanning = world.exhibition_set.stops.get(starts_on=D(2026, 2, 20))
    report = assessment.submit_report(report=museum_march(world), by=world.staff)
    client.force_login(world.staff)
    response = client.post(
        f"/field/stops/{spanning.pk}/attendance/",
        {"date": "2026-03-04", "visitors": "40", "school_groups": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert f"report #{report.pk}".encode() in response.content
    assert not spanning.attendance.filter(date=D(2026, 3, 4)).exists()
    response = client.post(
        "/activities/report/",
        {
            "campaign": world.campaign.pk,
            "facility": world.museum.pk,
            "kind": "lecture",
            "title": "三月讲座",
            "starts_at": "2026-03-18T10:00",
            "ends_at": "",
            "venue": "馆内",
            "region": "",
            "audience_count": "30",
            "description": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert f"report #{report.pk}".encode() in response.content
    assert not world.museum.activities.filter(title="三月讲座").exists()


def test_the_year_filter_refuses_what_is_no_year(world, api_client):
    museum_march(world)
    api_client.force_authenticate(world.admin)
    assert api_client.get(API, {"year": "0.0"}).status_code == 400
    assert api_client.get(API, {"year": "2026.5"}).status_code == 400
    assert api_client.get(API, {"year": "2026"}).json()["count"] == 1
    assert api_client.get(API, {"year": "2025"}).json()["count"] == 0
