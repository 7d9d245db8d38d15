"""Exhibition sets and exhibits through the API, and the set's calendar feed."""

import pytest
from icalendar import Calendar

from events.models import TourStopStatus
from events.services import plan_stop
from facilities.models import FacilityStatus
from resources.models import Exhibit, ExhibitionSet
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db

SETS = "/api/v1/exhibition-sets/"


@pytest.fixture
def world(db):
    return build_field_world(exhibits=3)


def test_anyone_lists_sets_with_their_figures(api_client, world):
    stop = plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="馆",
        starts_on=days(-3),
        ends_on=days(30),
    )
    stop.status = TourStopStatus.OPEN
    stop.save()
    body = api_client.get(SETS).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["code"] == "HLJ-01"
    assert row["operator"] == world.museum.pk
    assert row["exhibit_count"] == 3
    assert row["current_stop"] == stop.pk
    assert row["status"] == "in_storage"
    assert api_client.get(SETS, {"province": "440000"}).json()["count"] == 0
    assert api_client.get(SETS, {"operator": world.museum.pk}).json()["count"] == 1
    assert api_client.get(SETS, {"status": "retired"}).json()["count"] == 0


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_reviewers_create_sets(api_client, world, role):
    api_client.force_authenticate(getattr(world, role))
    response = api_client.post(
        SETS, {"code": "HLJ-02", "name": "机器人展", "operator": world.museum.pk, "theme": "AI"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["exhibit_count"] == 0


@pytest.mark.parametrize("role", ["staff", "far_coordinator", "outsider"])
def test_others_may_not_create_sets(api_client, world, role):
    api_client.force_authenticate(getattr(world, role))
    response = api_client.post(SETS, {"code": "HLJ-02", "name": "x", "operator": world.museum.pk})
    assert response.status_code == 403
    assert ExhibitionSet.objects.count() == 1


def test_a_duplicate_set_code_is_a_400(api_client, world):
    api_client.force_authenticate(world.admin)
    response = api_client.post(SETS, {"code": "HLJ-01", "name": "x", "operator": world.museum.pk})
    assert response.status_code == 400
    assert "code" in response.json()


def test_sets_of_unapproved_operators_are_hidden(api_client, world):
    world.museum.status = FacilityStatus.SUSPENDED
    world.museum.save()
    assert api_client.get(SETS).json()["count"] == 0
    assert api_client.get(f"{SETS}{world.exhibition_set.pk}/").status_code == 404
    api_client.force_authenticate(world.staff)
    assert api_client.get(SETS).json()["count"] == 1


def test_exhibits_are_read_by_anyone_and_added_by_managers(api_client, world):
    url = f"{SETS}{world.exhibition_set.pk}/exhibits/"
    listed = api_client.get(url).json()
    assert [row["code"] for row in listed["results"]] == ["E00", "E01", "E02"]
    assert set(listed["results"][0]) == {"id", "code", "name", "model", "status"}
    api_client.force_authenticate(world.far_staff)
    assert api_client.post(url, {"code": "E10", "name": "x", "model": "M"}).status_code == 403
    api_client.force_authenticate(world.staff)
    created = api_client.post(url, {"code": "E10", "name": "磁悬浮", "model": "M-1"})
    assert created.status_code == 201
    assert created.json()["status"] == "ok"
    duplicate = api_client.post(url, {"code": "E10", "name": "again", "model": "M-1"})
    assert duplicate.status_code == 400
    assert "code" in duplicate.json()
    assert Exhibit.objects.filter(exhibition_set=world.exhibition_set).count() == 4


def test_the_schedule_feed_is_an_icalendar_of_the_sets_stops(api_client, world):
    first = plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="嫩江县体育馆",
        starts_on=days(-40),
        ends_on=days(-10),
        opening_days="周三至周日",
    )
    plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.county,
        venue="黑河商场",
        starts_on=days(10),
        ends_on=days(70),
    )
    cancelled = plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.county,
        venue="取消",
        starts_on=days(100),
        ends_on=days(110),
    )
    cancelled.status = TourStopStatus.CANCELLED
    cancelled.save()
    response = api_client.get(
        f"{SETS}{world.exhibition_set.pk}/schedule.ics", HTTP_ACCEPT="text/calendar"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert [str(e["location"]).split(",")[0] for e in events] == ["嫩江县体育馆", "黑河商场"]
    assert events[0].decoded("dtstart") == first.starts_on
    assert events[0].decoded("dtend") == days(-9)  # exclusive end of an all-day event
    assert str(events[0]["description"]) == "周三至周日"
    assert f"/field/stops/{first.pk}/" in str(events[0]["url"])
    assert api_client.get(f"{SETS}999999/schedule.ics").status_code == 404
