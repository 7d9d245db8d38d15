"""Caravan trips (planned → approved → reported, or cancelled) and the yearly field summary."""

import datetime

import pytest
from django.core import mail

from events.models import CaravanTrip, CaravanTripStatus, TourStopStatus
from events.services import plan_stop, plan_trip, record_attendance
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db

TRIPS = "/api/v1/caravan-trips/"


@pytest.fixture
def world(db):
    return build_field_world()


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def trip_payload(world, start=-5, end=-2, **extra):
    payload = {
        "facility": world.caravan.pk,
        "campaign": world.campaign.pk,
        "region": world.other_county.code,
        "destination": "嫩江县第一中学",
        "starts_on": days(start).isoformat(),
        "ends_on": days(end).isoformat(),
        "purpose": "科普进校园",
    }
    payload.update(extra)
    return payload


def a_trip(world, start=-5, end=-2, status=CaravanTripStatus.PLANNED):
    trip = plan_trip(
        by=None,
        facility=world.caravan,
        region=world.other_county,
        destination="乡村小学",
        starts_on=days(start),
        ends_on=days(end),
        campaign=world.campaign,
    )
    if status != CaravanTripStatus.PLANNED:
        CaravanTrip.objects.filter(pk=trip.pk).update(status=status)
        trip.refresh_from_db()
    return trip


REPORT = {"distance_km": 420, "audience_total": 1500, "activities_count": 6, "summary": "顺利"}


def test_caravan_staff_plan_a_trip(api_client, world):
    response = as_user(api_client, world.caravan_staff).post(
        TRIPS, trip_payload(world), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned"
    assert body["province"] == "230000"
    assert body["region"] == world.other_county.code


@pytest.mark.parametrize("role", ["staff", "coordinator", "outsider"])
def test_only_the_caravans_staff_plan_its_trips(api_client, world, role):
    response = as_user(api_client, getattr(world, role)).post(
        TRIPS, trip_payload(world), format="json"
    )
    assert response.status_code == 400
    assert "facility" in response.json()
    assert not CaravanTrip.objects.exists()


def test_trips_are_for_caravans(api_client, world):
    response = as_user(api_client, world.staff).post(
        TRIPS, trip_payload(world, facility=world.museum.pk), format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"region": "230000"}, "region"),
        ({"region": "231100"}, "region"),
        ({"starts_on": "2024-05-05", "ends_on": "2024-05-01"}, "ends_on"),
        ({"destination": ""}, "destination"),
    ],
)
def test_bad_trips_are_a_400(api_client, world, extra, field):
    response = as_user(api_client, world.caravan_staff).post(
        TRIPS, trip_payload(world, **extra), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not CaravanTrip.objects.exists()


def test_approval_by_the_province_tells_the_staff(
    api_client, world, django_capture_on_commit_callbacks
):
    trip = a_trip(world)
    assert (
        as_user(api_client, world.far_coordinator).post(f"{TRIPS}{trip.pk}/approve/").status_code
        == 404
    )
    assert (
        as_user(api_client, world.caravan_staff).post(f"{TRIPS}{trip.pk}/approve/").status_code
        == 403
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(api_client, world.coordinator).post(f"{TRIPS}{trip.pk}/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert [m.to for m in mail.outbox] == [["caravan-staff@example.org"]]
    assert as_user(api_client, world.admin).post(f"{TRIPS}{trip.pk}/approve/").status_code == 409


def test_report_after_the_end_date(api_client, world):
    trip = a_trip(world, status=CaravanTripStatus.APPROVED)
    client = as_user(api_client, world.caravan_staff)
    response = client.post(f"{TRIPS}{trip.pk}/report/", REPORT, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "reported"
    assert body["distance_km"] == 420
    assert body["audience_total"] == 1500
    assert body["activities_count"] == 6
    assert client.post(f"{TRIPS}{trip.pk}/cancel/").status_code == 409
    assert client.post(f"{TRIPS}{trip.pk}/report/", REPORT, format="json").status_code == 409


def test_reporting_before_the_end_date_is_a_409(api_client, world):
    trip = a_trip(world, start=-1, end=2, status=CaravanTripStatus.APPROVED)
    response = as_user(api_client, world.caravan_staff).post(
        f"{TRIPS}{trip.pk}/report/", REPORT, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert str(trip.ends_on) in response.json()["detail"]
    trip.refresh_from_db()
    assert trip.status == CaravanTripStatus.APPROVED


def test_a_planned_trip_cannot_be_reported(api_client, world):
    trip = a_trip(world)
    response = as_user(api_client, world.caravan_staff).post(
        f"{TRIPS}{trip.pk}/report/", REPORT, format="json"
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "change, field",
    [
        ({"distance_km": 5001}, "distance_km"),
        ({"distance_km": -1}, "distance_km"),
        ({"audience_total": -3}, "audience_total"),
        ({"activities_count": 10**9}, "activities_count"),
        ({"distance_km": "far"}, "distance_km"),
    ],
)
def test_absurd_reports_are_a_400_and_change_nothing(api_client, world, change, field):
    trip = a_trip(world, status=CaravanTripStatus.APPROVED)
    response = as_user(api_client, world.caravan_staff).post(
        f"{TRIPS}{trip.pk}/report/", {**REPORT, **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    trip.refresh_from_db()
    assert trip.status == CaravanTripStatus.APPROVED
    assert trip.distance_km is None


def test_only_its_staff_report(api_client, world):
    trip = a_trip(world, status=CaravanTripStatus.APPROVED)
    response = as_user(api_client, world.coordinator).post(
        f"{TRIPS}{trip.pk}/report/", REPORT, format="json"
    )
    assert response.status_code == 403


def test_staff_cancel_planned_and_approved_trips(
    api_client, world, django_capture_on_commit_callbacks
):
    planned_trip = a_trip(world)
    approved = a_trip(world, start=5, end=8, status=CaravanTripStatus.APPROVED)
    client = as_user(api_client, world.caravan_staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{TRIPS}{planned_trip.pk}/cancel/").json()["status"] == "cancelled"
        assert client.post(f"{TRIPS}{approved.pk}/cancel/").json()["status"] == "cancelled"
    assert len(mail.outbox) == 2
    assert client.post(f"{TRIPS}{approved.pk}/cancel/").status_code == 409


def test_the_public_sees_approved_and_reported_trips_only(api_client, world):
    a_trip(world)
    approved = a_trip(world, start=1, end=2, status=CaravanTripStatus.APPROVED)
    reported = a_trip(world, start=-20, end=-18, status=CaravanTripStatus.REPORTED)
    a_trip(world, start=-30, end=-29, status=CaravanTripStatus.CANCELLED)
    public = [row["id"] for row in api_client.get(TRIPS).json()["results"]]
    assert public == [approved.pk, reported.pk]
    staff = as_user(api_client, world.caravan_staff).get(TRIPS).json()
    assert staff["count"] == 4
    assert as_user(api_client, world.far_coordinator).get(TRIPS).json()["count"] == 2


def test_trip_filters(api_client, world):
    api_client.force_authenticate(world.admin)
    a_trip(world, status=CaravanTripStatus.REPORTED)
    assert api_client.get(TRIPS, {"status": "reported"}).json()["count"] == 1
    assert api_client.get(TRIPS, {"year": days(-5).year}).json()["count"] == 1
    assert api_client.get(TRIPS, {"year": 1999}).json()["count"] == 0
    assert api_client.get(TRIPS, {"region": "231100"}).json()["count"] == 1
    assert api_client.get(TRIPS, {"province": "440000"}).json()["count"] == 0
    assert api_client.get(TRIPS, {"facility": world.caravan.pk}).json()["count"] == 1


# Field summary


def summary(api_client, facility, year):
    response = api_client.get(f"/api/v1/facilities/{facility.pk}/field-summary/", {"year": year})
    assert response.status_code == 200, response.content
    return response.json()


def test_field_summary_counts_a_year_of_stops_and_trips(api_client, world, settings):
    settings.CARAVAN_NORM_DAYS = 120
    settings.CARAVAN_NORM_KM = 10_000
    year = 2025
    stop = plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="体育馆",
        starts_on=datetime.date(2024, 12, 1),
        ends_on=datetime.date(2025, 1, 31),
    )
    stop.status = TourStopStatus.CLOSED
    stop.save()
    record_attendance(by=None, stop=stop, date=datetime.date(2024, 12, 20), visitors=100)
    record_attendance(by=None, stop=stop, date=datetime.date(2025, 1, 10), visitors=250)
    for month, km in ((3, 400), (6, 600)):
        trip = plan_trip(
            by=None,
            facility=world.caravan,
            region=world.other_county,
            destination="乡村",
            starts_on=datetime.date(year, month, 1),
            ends_on=datetime.date(year, month, 10),
        )
        CaravanTrip.objects.filter(pk=trip.pk).update(
            status=CaravanTripStatus.REPORTED, distance_km=km, audience_total=1000
        )
    approve_target = plan_trip(  # planned only: not counted
        by=None,
        facility=world.caravan,
        region=world.other_county,
        destination="乡村",
        starts_on=datetime.date(year, 8, 1),
        ends_on=datetime.date(year, 8, 30),
    )
    assert approve_target.status == CaravanTripStatus.PLANNED

    museum = summary(api_client, world.museum, year)
    assert museum == {
        "year": year,
        "stops": 1,
        "stop_days": 31,
        "trips": 0,
        "days_out": 0,
        "distance_km": 0,
        "audience": 250,
        "meets_norm": False,
    }
    caravan = summary(api_client, world.caravan, year)
    assert caravan["trips"] == 2
    assert caravan["days_out"] == 20
    assert caravan["distance_km"] == 1000
    assert caravan["audience"] == 2000
    assert caravan["meets_norm"] is False
    settings.CARAVAN_NORM_KM = 1000
    assert summary(api_client, world.caravan, year)["meets_norm"] is True
    settings.CARAVAN_NORM_KM = 10_000
    settings.CARAVAN_NORM_DAYS = 20
    assert summary(api_client, world.caravan, year)["meets_norm"] is True
    assert summary(api_client, world.museum, 2024)["stop_days"] == 31


def test_field_summary_of_a_hidden_facility_is_404_and_a_bad_year_400(api_client, world):
    from facilities.models import FacilityStatus

    world.caravan.status = FacilityStatus.PENDING
    world.caravan.save()
    url = f"/api/v1/facilities/{world.caravan.pk}/field-summary/"
    assert api_client.get(url).status_code == 404
    assert (
        api_client.get(
            f"/api/v1/facilities/{world.museum.pk}/field-summary/", {"year": "x"}
        ).status_code
        == 400
    )
    api_client.force_authenticate(world.caravan_staff)
    assert api_client.get(url).json()["year"] == days(0).year
