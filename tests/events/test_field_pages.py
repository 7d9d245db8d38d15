"""Field-work pages: the public "now" page, set and stop pages, the trip planner and queue."""

import pytest

from events.models import CaravanTrip, CaravanTripStatus, StopAttendance, TourStop, TourStopStatus
from events.services import plan_stop, plan_trip, record_attendance
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world(db):
    return build_field_world()


def a_stop(world, start, end, status=TourStopStatus.PLANNED, **extra):
    stop = plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=extra.pop("region", world.other_county),
        venue=extra.pop("venue", "嫩江县体育馆"),
        starts_on=days(start),
        ends_on=days(end),
        **extra,
    )
    if status != TourStopStatus.PLANNED:
        stop.status = status
        stop.save()
    return stop


def test_the_now_page_lists_open_and_coming_stops_by_province(client, world):
    a_stop(world, -60, -30, TourStopStatus.CLOSED, venue="早已结束")
    a_stop(world, -5, 20, TourStopStatus.OPEN, venue="正在开放", opening_days="周三至周日")
    a_stop(world, 30, 60, venue="下一站")
    response = client.get("/field/", **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "正在开放" in html and "下一站" in html and "周三至周日" in html
    assert "早已结束" not in html
    assert "黑龙江省" in html
    assert html.index("正在开放") < html.index("下一站")


def test_the_public_stop_page_shows_attendance_so_far_and_no_forms(client, world):
    stop = a_stop(world, -5, 20, TourStopStatus.OPEN)
    record_attendance(by=None, stop=stop, date=days(-1), visitors=1234)
    response = client.get(f"/field/stops/{stop.pk}/", **EN)
    html = response.content.decode()
    assert "1,234" in html
    assert "record-attendance" not in html and "close-stop" not in html


def test_a_manager_records_attendance_on_the_stop_page(client, world):
    stop = a_stop(world, -5, 20, TourStopStatus.OPEN)
    client.force_login(world.staff)
    page = client.get(f"/field/stops/{stop.pk}/", **EN).content.decode()
    assert f'value="{days(0).isoformat()}"' in page  # the date defaults to today
    response = client.post(
        f"/field/stops/{stop.pk}/attendance/",
        {"date": days(0).isoformat(), "visitors": "350", "school_groups": "2"},
    )
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.audience_total == 350
    again = client.post(
        f"/field/stops/{stop.pk}/attendance/", {"date": days(0).isoformat(), "visitors": "1"}, **EN
    )
    assert again.status_code == 400
    assert "recorded already" in again.content.decode()
    future = client.post(
        f"/field/stops/{stop.pk}/attendance/", {"date": days(3).isoformat(), "visitors": "1"}, **EN
    )
    assert future.status_code == 400
    assert StopAttendance.objects.count() == 1


def test_host_staff_record_but_outsiders_are_refused(client, world):
    stop = a_stop(world, -5, 20, TourStopStatus.OPEN, host=world.host)
    client.force_login(world.outsider)
    response = client.post(
        f"/field/stops/{stop.pk}/attendance/", {"date": days(0).isoformat(), "visitors": "5"}
    )
    assert response.status_code == 403
    client.force_login(world.host_staff)
    response = client.post(
        f"/field/stops/{stop.pk}/attendance/", {"date": days(0).isoformat(), "visitors": "5"}
    )
    assert response.status_code == 302


def test_managers_plan_open_and_close_from_the_pages(client, world):
    client.force_login(world.staff)
    set_page = client.get(f"/exhibition-sets/{world.exhibition_set.pk}/", **EN).content.decode()
    assert "E00" in set_page and "plan-stop-link" in set_page
    response = client.post(
        f"/field/sets/{world.exhibition_set.pk}/plan-stop/",
        {
            "region": world.other_county.code,
            "venue": "县体育馆",
            "starts_on": days(0).isoformat(),
            "ends_on": days(60).isoformat(),
        },
    )
    assert response.status_code == 302
    stop = world.exhibition_set.stops.get()
    overlap = client.post(
        f"/field/sets/{world.exhibition_set.pk}/plan-stop/",
        {
            "region": world.other_county.code,
            "venue": "重叠",
            "starts_on": days(10).isoformat(),
            "ends_on": days(20).isoformat(),
        },
        **EN,
    )
    assert overlap.status_code == 200
    assert "do not overlap" in overlap.content.decode()
    client.post(f"/field/stops/{stop.pk}/open/")
    stop.refresh_from_db()
    assert stop.status == TourStopStatus.OPEN
    client.post(f"/field/stops/{stop.pk}/close/")
    stop.refresh_from_db()
    assert stop.status == TourStopStatus.CLOSED


def test_the_plan_page_is_403_for_someone_who_sees_the_set_and_404_when_hidden(client, world):
    client.force_login(world.far_staff)
    assert client.get(f"/field/sets/{world.exhibition_set.pk}/plan-stop/").status_code == 403
    assert client.get("/field/sets/999999/plan-stop/").status_code == 404


def test_the_public_set_page_has_the_calendar_subscription(client, world):
    a_stop(world, 10, 40, venue="下一站")
    html = client.get(f"/exhibition-sets/{world.exhibition_set.pk}/", **EN).content.decode()
    assert (
        f"webcal://testserver/api/v1/exhibition-sets/{world.exhibition_set.pk}/schedule.ics" in html
    )
    assert "下一站" in html
    assert "plan-stop-link" not in html and "E00" not in html


def test_trip_planner_report_and_review_queue(client, world):
    client.force_login(world.caravan_staff)
    assert client.get("/field/trips/").status_code == 200
    response = client.post(
        "/field/trips/plan/",
        {
            "facility": world.caravan.pk,
            "region": world.other_county.code,
            "destination": "嫩江县第二小学",
            "starts_on": days(-3).isoformat(),
            "ends_on": days(-1).isoformat(),
        },
    )
    assert response.status_code == 302
    trip = CaravanTrip.objects.get()
    client.force_login(world.coordinator)
    queue = client.get("/field/trips/review/").content.decode()
    assert "嫩江县第二小学" in queue
    client.post(f"/field/trips/{trip.pk}/approve/", {"next": "queue"})
    trip.refresh_from_db()
    assert trip.status == CaravanTripStatus.APPROVED
    client.force_login(world.caravan_staff)
    bad = client.post(
        f"/field/trips/{trip.pk}/report/",
        {"distance_km": "6000", "audience_total": "10", "activities_count": "1"},
    )
    assert bad.status_code == 200
    report = client.post(
        f"/field/trips/{trip.pk}/report/",
        {"distance_km": "320", "audience_total": "900", "activities_count": "4"},
    )
    assert report.status_code == 302
    trip.refresh_from_db()
    assert trip.status == CaravanTripStatus.REPORTED
    assert trip.distance_km == 320
    public = client.get(f"/field/trips/{trip.pk}/").content.decode()
    assert "320" in public


def test_the_review_queue_is_for_reviewers_only(client, world):
    plan_trip(
        by=None,
        facility=world.caravan,
        region=world.other_county,
        destination="x",
        starts_on=days(1),
        ends_on=days(2),
    )
    client.force_login(world.caravan_staff)
    assert client.get("/field/trips/review/").status_code == 404


def test_the_header_links_to_the_now_page(client, world):
    assert 'href="/field/"' in client.get("/field/").content.decode()


def test_field_figures_in_the_stats_and_on_the_campaign_and_home_pages(client, world):
    from campaigns.stats import get_campaign_stats
    from events.services import approve_trip, report_trip

    a_stop(world, -60, -40, TourStopStatus.CLOSED, venue="一")
    current = a_stop(world, -5, 20, TourStopStatus.OPEN, venue="二")
    record_attendance(by=None, stop=current, date=days(-1), visitors=4321)
    trip = plan_trip(
        by=None,
        facility=world.caravan,
        region=world.other_county,
        destination="村",
        starts_on=days(-3),
        ends_on=days(-1),
        campaign=world.campaign,
    )
    approve_trip(by=None, trip=trip)
    report_trip(by=None, trip=trip, distance_km=777, audience_total=10, activities_count=1)
    stats = get_campaign_stats(campaign=world.campaign)
    assert {k: stats[k] for k in ("stops_open", "stops_held", "stop_audience")} == {
        "stops_open": 1,
        "stops_held": 2,
        "stop_audience": 4321,
    }
    assert stats["trips_reported"] == 1 and stats["trip_distance_km"] == 777
    api = client.get(f"/api/v1/campaigns/{world.campaign.slug}/stats/").json()
    assert api["stop_audience"] == 4321
    assert api["trip_distance_km"] == 777
    for path in (f"/campaigns/{world.campaign.slug}/", "/"):
        html = client.get(path, **EN).content.decode()
        assert 'data-figure="stop_audience">4,321<' in html, path
        assert 'data-figure="trip_distance_km">777<' in html, path


def test_field_figures_follow_the_province_and_date_filters(world):
    from campaigns.stats import StatsFilter, get_campaign_stats

    stop = a_stop(world, -60, -40, TourStopStatus.CLOSED)
    record_attendance(by=None, stop=stop, date=days(-50), visitors=10)
    window = StatsFilter(date_from=days(-45), date_to=days(-41))
    assert get_campaign_stats(campaign=world.campaign, filters=window)["stops_held"] == 1
    later = StatsFilter(date_from=days(-39))
    assert get_campaign_stats(campaign=world.campaign, filters=later)["stops_held"] == 0
    earlier = StatsFilter(date_to=days(-61))
    assert get_campaign_stats(campaign=world.campaign, filters=earlier)["stops_held"] == 0
    far = StatsFilter(provinces=("440000",))
    assert get_campaign_stats(campaign=world.campaign, filters=far)["stop_audience"] == 0


def test_the_stop_planner_offers_the_region_picker_and_refreshes_it_without_javascript(
    client, world
):
    client.force_login(world.staff)
    url = f"/field/sets/{world.exhibition_set.pk}/plan-stop/"
    page = client.get(url, {"region": world.other_county.code}).content.decode()
    assert 'name="region_province"' in page and 'name="region_county"' in page
    # The suggestion link's county is chosen at all three levels.
    assert f'<option value="{world.other_county.code}" selected>' in page
    refreshed = client.post(
        url, {"region_province": world.province.code, "venue": "体育馆", "_refresh_regions": "1"}
    )
    html = refreshed.content.decode()
    assert refreshed.status_code == 200
    assert f'<option value="{world.prefecture.code}"' in html
    assert "体育馆" in html
    assert not TourStop.objects.exists()
