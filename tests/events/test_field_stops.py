"""Tour stops and their attendance through the API: every rule of API.md's field section."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from events.models import StopAttendance, TourStop, TourStopStatus
from events.services import plan_stop
from resources.models import ExhibitionSetStatus
from tests.events.field_support import build_field_world, days, stop_payload, today

pytestmark = pytest.mark.django_db

STOPS = "/api/v1/tour-stops/"


@pytest.fixture
def world(db):
    return build_field_world()


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def planned(world, start=-10, end=50, **extra):
    return plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=extra.pop("region", world.other_county),
        venue=extra.pop("venue", "嫩江县体育馆"),
        starts_on=days(start),
        ends_on=days(end),
        **extra,
    )


def opened(world, **kwargs):
    stop = planned(world, **kwargs)
    stop.status = TourStopStatus.OPEN
    stop.save()
    return stop


@pytest.mark.parametrize("role", ["staff", "coordinator", "admin"])
def test_the_sets_managers_plan_a_stop_that_starts_planned(api_client, world, role):
    client = as_user(api_client, getattr(world, role))
    response = client.post(
        STOPS, stop_payload(world, days(0), days(60), host=world.host.pk), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned"
    assert body["region"] == world.other_county.code
    assert body["province"] == "230000"
    assert body["campaign"] == world.campaign.pk  # defaults to the set's
    assert body["audience_total"] == 0
    assert body["host"] == world.host.pk


@pytest.mark.parametrize("role", ["host_staff", "far_staff", "far_coordinator", "outsider"])
def test_others_may_not_plan_a_stop(api_client, world, role):
    client = as_user(api_client, getattr(world, role))
    response = client.post(STOPS, stop_payload(world, days(0), days(60)), format="json")
    assert response.status_code == 403
    assert not TourStop.objects.exists()


def test_planning_needs_a_signed_in_user(api_client, world):
    response = api_client.post(STOPS, stop_payload(world, days(0), days(60)), format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "region_attr, message",
    [("province", "county"), ("prefecture", "county")],
)
def test_a_stop_must_be_in_a_county(api_client, world, region_attr, message):
    client = as_user(api_client, world.staff)
    payload = stop_payload(world, days(0), days(60), region=getattr(world, region_attr).code)
    response = client.post(STOPS, payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert message in response.json()["region"][0]
    assert not TourStop.objects.exists()


def test_an_unknown_region_code_is_a_400_naming_it(api_client, world):
    client = as_user(api_client, world.staff)
    payload = stop_payload(world, days(0), days(60), region="999999")
    response = client.post(STOPS, payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "999999" in response.json()["region"][0]


def test_dates_in_the_wrong_order_are_a_400(api_client, world):
    client = as_user(api_client, world.staff)
    response = client.post(STOPS, stop_payload(world, days(10), days(5)), format="json")
    assert response.status_code == 400
    assert "ends_on" in response.json()


@pytest.mark.parametrize("area", [-5, 0, 10_000_000])
def test_an_absurd_venue_area_is_a_400(api_client, world, area):
    client = as_user(api_client, world.staff)
    payload = stop_payload(world, days(0), days(10), venue_area_m2=area)
    response = client.post(STOPS, payload, format="json")
    assert response.status_code == 400
    assert "venue_area_m2" in response.json()
    assert not TourStop.objects.exists()


@pytest.mark.parametrize(
    "start, end",
    [(0, 60), (-20, -10), (50, 80), (-30, 100), (-10, -10), (50, 50)],
)
def test_overlapping_stops_of_one_set_are_refused(api_client, world, start, end):
    planned(world, start=-10, end=50)
    client = as_user(api_client, world.staff)
    response = client.post(
        STOPS, stop_payload(world, days(start), days(end)), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert "overlap" in response.json()["detail"]
    assert TourStop.objects.count() == 1


def test_adjacent_stops_and_stops_after_a_cancelled_one_are_allowed(api_client, world):
    first = planned(world, start=-10, end=50)
    client = as_user(api_client, world.staff)
    after = client.post(STOPS, stop_payload(world, days(51), days(90)), format="json")
    assert after.status_code == 201
    assert client.post(f"{STOPS}{first.pk}/cancel/").json()["status"] == "cancelled"
    again = client.post(STOPS, stop_payload(world, days(0), days(40)), format="json")
    assert again.status_code == 201


def test_another_set_may_be_there_on_the_same_days(api_client, world):
    from resources.models import ExhibitionSet

    planned(world, start=0, end=50)
    other = ExhibitionSet.objects.create(code="HLJ-02", name="机器人展", operator=world.museum)
    client = as_user(api_client, world.staff)
    payload = stop_payload(world, days(0), days(50), exhibition_set=other.pk)
    assert client.post(STOPS, payload, format="json").status_code == 201


def test_the_database_refuses_overlapping_stops_written_past_the_service(world):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's")
    planned(world, start=0, end=50)
    with pytest.raises(IntegrityError, match="tour_stop_no_overlap"), transaction.atomic():
        TourStop.objects.create(
            exhibition_set=world.exhibition_set,
            region=world.county,
            venue="x",
            starts_on=days(50),
            ends_on=days(60),
        )


def test_the_database_refuses_a_second_open_stop(world):
    opened(world, start=-10, end=5)
    second = planned(world, start=6, end=20)
    second.status = TourStopStatus.OPEN
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_open_close_cycle_moves_the_set_and_tells_the_host(
    api_client, world, django_capture_on_commit_callbacks
):
    stop = planned(world, start=-5, end=30, host=world.host)
    client = as_user(api_client, world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{STOPS}{stop.pk}/open/")
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert response.json()["opened_at"]
    world.exhibition_set.refresh_from_db()
    assert world.exhibition_set.status == ExhibitionSetStatus.TOURING
    assert [m.to for m in mail.outbox] == [["host-staff@example.org"]]
    assert f"/field/stops/{stop.pk}/" in mail.outbox[0].body
    response = client.post(f"{STOPS}{stop.pk}/close/")
    assert response.json()["status"] == "closed"
    world.exhibition_set.refresh_from_db()
    assert world.exhibition_set.status == ExhibitionSetStatus.IN_STORAGE
    # No way back, and a closed stop is not cancelled.
    assert client.post(f"{STOPS}{stop.pk}/open/").status_code == 409
    assert client.post(f"{STOPS}{stop.pk}/cancel/").status_code == 409
    assert client.post(f"{STOPS}{stop.pk}/close/").status_code == 409


def test_a_set_has_at_most_one_open_stop(api_client, world):
    opened(world, start=-30, end=-1)
    later = planned(world, start=0, end=20)
    client = as_user(api_client, world.staff)
    response = client.post(f"{STOPS}{later.pk}/open/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "close that stop first" in response.json()["detail"]
    later.refresh_from_db()
    assert later.status == TourStopStatus.PLANNED


def test_a_stop_opens_from_its_first_day(api_client, world):
    stop = planned(world, start=3, end=20)
    client = as_user(api_client, world.staff)
    assert client.post(f"{STOPS}{stop.pk}/open/").status_code == 409


def test_actions_by_someone_who_sees_the_stop_but_does_not_manage_it_are_403(api_client, world):
    stop = planned(world, start=-3, end=20, host=world.host)
    for user in (world.host_staff, world.far_coordinator, world.outsider):
        client = as_user(api_client, user)
        assert client.post(f"{STOPS}{stop.pk}/open/").status_code == 403
    stop.refresh_from_db()
    assert stop.status == TourStopStatus.PLANNED


def test_cancelled_stops_are_hidden_from_the_public_and_404_to_act_on(api_client, world):
    stop = planned(world, start=-3, end=20)
    stop.status = TourStopStatus.CANCELLED
    stop.save()
    assert api_client.get(STOPS).json()["count"] == 0
    assert api_client.get(f"{STOPS}{stop.pk}/").status_code == 404
    client = as_user(api_client, world.far_staff)
    assert client.post(f"{STOPS}{stop.pk}/open/").status_code == 404
    client = as_user(api_client, world.staff)
    assert client.get(f"{STOPS}{stop.pk}/").json()["status"] == "cancelled"


def test_list_filters(api_client, world):
    from resources.models import ExhibitionSet

    current = opened(world, start=-10, end=10)
    planned(world, start=20, end=40, region=world.county)
    far_set = ExhibitionSet.objects.create(code="GD-01", name="广东展", operator=world.far_museum)
    plan_stop(
        by=None,
        exhibition_set=far_set,
        region=world.far_county,
        venue="韶关",
        starts_on=days(0),
        ends_on=days(5),
    )

    def ids(**params):
        return [row["id"] for row in api_client.get(STOPS, params).json()["results"]]

    assert len(ids()) == 3
    assert len(ids(province="230000")) == 2
    assert len(ids(region="230000")) == 2
    assert len(ids(region="231100")) == 2
    assert ids(region=world.other_county.code) == [current.pk]
    assert ids(status="open") == [current.pk]
    assert len(ids(active_on=today().isoformat())) == 2
    assert ids(exhibition_set=far_set.pk) != []
    assert len(ids(campaign=world.campaign.pk)) == 2
    assert api_client.get(STOPS, {"active_on": "soon"}).status_code == 400
    assert api_client.get(STOPS, {"region": "23"}).status_code == 400


# Attendance


def attendance_url(stop):
    return f"{STOPS}{stop.pk}/attendance/"


@pytest.mark.parametrize("role", ["staff", "host_staff", "coordinator", "admin"])
def test_managers_and_host_staff_record_attendance_and_the_total_follows(api_client, world, role):
    stop = opened(world, start=-10, end=10, host=world.host)
    client = as_user(api_client, getattr(world, role))
    first = client.post(
        attendance_url(stop),
        {"date": days(-2).isoformat(), "visitors": 1200, "school_groups": 3, "note": "雨天"},
        format="json",
    )
    assert first.status_code == 201, first.content
    assert first.json()["recorded_by"] == getattr(world, role).pk
    client.post(attendance_url(stop), {"date": days(0).isoformat(), "visitors": 800})
    stop.refresh_from_db()
    assert stop.audience_total == 2000
    listed = api_client.get(attendance_url(stop)).json()
    assert [row["visitors"] for row in listed["results"]] == [1200, 800]
    assert api_client.get(f"{STOPS}{stop.pk}/").json()["audience_total"] == 2000


def test_others_may_not_record_attendance(api_client, world):
    stop = opened(world, start=-10, end=10)
    for user in (world.far_staff, world.outsider, world.caravan_staff):
        client = as_user(api_client, user)
        response = client.post(attendance_url(stop), {"date": days(0), "visitors": 5})
        assert response.status_code == 403
    assert not StopAttendance.objects.exists()


def test_attendance_is_recorded_on_a_closed_stop_after_the_fact(api_client, world):
    stop = opened(world, start=-60, end=-30)
    stop.status = TourStopStatus.CLOSED
    stop.save()
    client = as_user(api_client, world.staff)
    response = client.post(attendance_url(stop), {"date": days(-45), "visitors": 77})
    assert response.status_code == 201


def test_no_attendance_on_a_planned_or_cancelled_stop(api_client, world):
    stop = planned(world, start=-10, end=10)
    client = as_user(api_client, world.staff)
    assert client.post(attendance_url(stop), {"date": days(0), "visitors": 5}).status_code == 409
    assert not StopAttendance.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"date": 1, "visitors": 5}, "date"),  # in the future
        ({"date": -11, "visitors": 5}, "date"),  # before the stop
        ({"date": 0, "visitors": -1}, "visitors"),
        ({"date": 0, "visitors": 1_000_001}, "visitors"),
        ({"date": 0, "visitors": 10**20}, "visitors"),
        ({"date": 0, "visitors": 5, "school_groups": -2}, "school_groups"),
        ({"date": 0, "visitors": "many"}, "visitors"),
        ({"date": "yesterday", "visitors": 5}, "date"),
    ],
)
def test_bad_attendance_is_a_400_naming_the_field_and_writes_nothing(
    api_client, world, payload, field
):
    stop = opened(world, start=-10, end=30)
    if isinstance(payload["date"], int):
        payload = {**payload, "date": days(payload["date"]).isoformat()}
    client = as_user(api_client, world.staff)
    response = client.post(attendance_url(stop), payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert field in response.json()
    stop.refresh_from_db()
    assert stop.audience_total == 0
    assert not StopAttendance.objects.exists()


def test_a_day_outside_the_stop_says_which_days_are_allowed(api_client, world):
    stop = opened(world, start=-10, end=30)
    client = as_user(api_client, world.staff)
    response = client.post(
        attendance_url(stop), {"date": days(-20), "visitors": 5}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert str(stop.starts_on) in response.json()["date"][0]


def test_a_second_entry_for_a_date_is_a_409_and_keeps_the_total(api_client, world):
    stop = opened(world, start=-10, end=30)
    client = as_user(api_client, world.staff)
    assert client.post(attendance_url(stop), {"date": days(0), "visitors": 100}).status_code == 201
    again = client.post(attendance_url(stop), {"date": days(0), "visitors": 50})
    assert again.status_code == 409
    stop.refresh_from_db()
    assert stop.audience_total == 100
    assert StopAttendance.objects.count() == 1


def test_removing_an_entry_takes_its_visitors_off_the_total(world):
    from events.services import record_attendance, remove_attendance

    stop = opened(world, start=-10, end=30)
    entry = record_attendance(by=world.staff, stop=stop, date=days(-1), visitors=300)
    record_attendance(by=world.staff, stop=stop, date=days(0), visitors=200)
    remove_attendance(by=world.staff, entry=entry)
    stop.refresh_from_db()
    assert stop.audience_total == 200


def test_stops_of_a_suspended_operators_set_are_hidden_like_the_set(api_client, world):
    from facilities.models import FacilityStatus

    stop = opened(world, start=-3, end=20)
    world.museum.status = FacilityStatus.SUSPENDED
    world.museum.save()
    assert api_client.get(STOPS).json()["count"] == 0
    assert api_client.get(f"{STOPS}{stop.pk}/").status_code == 404
    assert as_user(api_client, world.staff).get(f"{STOPS}{stop.pk}/").status_code == 200
