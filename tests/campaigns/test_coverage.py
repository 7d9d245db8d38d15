"""Coverage of counties: every figure on a small hand-built tree, tags, queries, errors."""

import datetime

import pytest
from django.utils import translation

from campaigns.coverage import Coverage, campaign_coverage
from campaigns.stats import compute_campaign_stats
from facilities.models import Facility, RegionLevel, RegionTagAssignment
from resources.models import DownloadEvent
from tests import factories
from tests.campaigns.coverage_support import Data, at, region, tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return Data()


def by_code(answer):
    return {row["code"]: row for row in answer["results"]}


def test_provinces_count_only_real_counties_reached_by_reaching_sources(data):
    answer = campaign_coverage(campaign=data.campaign)
    rows = by_code(answer)
    assert set(rows) == {"110000", "230000"}
    hlj, bj = rows["230000"], rows["110000"]
    assert hlj == {
        "code": "230000",
        "name": "黑龙江省",
        "level": "province",
        "counties": 4,
        "counties_reached": 2,  # Aihui and Xunke; Sunwu only downloaded, Daoli nothing
        "facilities": 3,
        "stops": 0,
        "trips": 0,
        "kits_received": 3,  # two in Aihui, one at the Heihe prefecture unit
        "downloads": 7,  # 3 Sunwu + 2 Daoli + 1 Aihui + 1 with the province only
        "activities": 2,
        "audience": 290,
        "last_reached_on": datetime.date(2022, 9, 9),
        "tags": [],
    }
    # The grouping row 110100 is no county; its two districts are.
    assert (bj["counties"], bj["counties_reached"], bj["audience"]) == (2, 1, 75)
    assert answer["summary"] == {"counties": 6, "counties_reached": 3, "share": 0.5}


def test_prefectures_and_counties_of_a_province(data):
    prefectures = by_code(
        campaign_coverage(campaign=data.campaign, level="prefecture", parent="230000")
    )
    assert set(prefectures) == {"230100", "231100"}
    assert prefectures["230100"]["counties"] == 1
    assert prefectures["230100"]["counties_reached"] == 0
    assert prefectures["230100"]["downloads"] == 2
    assert prefectures["231100"]["kits_received"] == 3

    answer = campaign_coverage(campaign=data.campaign, level="county", parent="231100")
    counties = by_code(answer)
    assert set(counties) == {"231102", "231123", "231124"}
    assert counties["231102"]["kits_received"] == 2
    assert counties["231102"]["last_reached_on"] == datetime.date(2022, 9, 9)
    assert counties["231102"]["tags"] == ["border"]
    assert counties["231123"]["activities"] == 1
    assert counties["231123"]["last_reached_on"] == datetime.date(2022, 9, 8)
    # Reached only by downloads: shown, not reached.
    sunwu = counties["231124"]
    assert (sunwu["downloads"], sunwu["counties_reached"], sunwu["last_reached_on"]) == (3, 0, None)
    assert sunwu["counties"] == 1
    assert answer["summary"] == {"counties": 3, "counties_reached": 2, "share": 0.6667}


def test_a_county_reached_only_by_downloads_never_counts(data):
    DownloadEvent.objects.filter(region=data.sunwu).delete()
    before = campaign_coverage(campaign=data.campaign)["summary"]
    for _ in range(50):
        DownloadEvent.objects.create(
            resource=DownloadEvent.objects.first().resource,
            region=data.daoli,
            province_code="230000",
            channel="web",
            created_at=at(14),
        )
    after = campaign_coverage(campaign=data.campaign)["summary"]
    assert after == before


def test_a_tag_keeps_only_its_counties_and_their_figures(data):
    answer = campaign_coverage(campaign=data.campaign, tag="border")
    rows = by_code(answer)
    assert set(rows) == {"230000"}  # Beijing has no border county
    assert rows["230000"]["counties"] == 2
    assert rows["230000"]["counties_reached"] == 2
    assert rows["230000"]["kits_received"] == 2  # the prefecture unit's kit is in no county
    assert rows["230000"]["downloads"] == 1
    assert answer["summary"] == {"counties": 2, "counties_reached": 2, "share": 1.0}
    counties = campaign_coverage(
        campaign=data.campaign, level="county", parent="230000", tag="border"
    )
    assert [row["code"] for row in counties["results"]] == ["231102", "231123"]


def test_a_tag_on_a_prefecture_covers_its_counties(data):
    RegionTagAssignment.objects.create(region=data.harbin, tag=tag("old_revolutionary_base"))
    answer = campaign_coverage(campaign=data.campaign, level="county", tag="old_revolutionary_base")
    assert [row["code"] for row in answer["results"]] == ["230102"]


def test_stats_lead_with_counties_reached(data):
    stats = compute_campaign_stats(campaign=data.campaign)
    assert (stats["counties_reached"], stats["counties_total"]) == (3, 6)
    from campaigns.stats import StatsFilter

    stats = compute_campaign_stats(
        campaign=data.campaign, filters=StatsFilter(provinces=("110000",))
    )
    assert (stats["counties_reached"], stats["counties_total"]) == (1, 2)


def test_the_api_answers_the_contract(data, api_client):
    url = f"/api/v1/campaigns/{data.campaign.slug}/coverage/"
    body = api_client.get(url, {"level": "county", "parent": "231100"}).json()
    assert body["summary"]["counties_reached"] == 2
    row = body["results"][0]
    assert row["last_reached_on"] == "2022-09-09"
    assert set(row) == {
        "code", "name", "level", "counties", "counties_reached", "facilities", "stops",
        "trips", "kits_received", "downloads", "activities", "audience", "last_reached_on",
        "tags",
    }  # fmt: skip
    # The parent's level decides the default level below it.
    assert api_client.get(url, {"parent": "230000"}).json()["results"][0]["level"] == "prefecture"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"level": "village"}, "level"),
        ({"parent": "23"}, "parent"),
        ({"parent": "999999"}, "parent"),
        ({"parent": "231102", "level": "county"}, "level"),
        ({"tag": "no_such_tag"}, "tag"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(data, api_client, params, field):
    with translation.override("en"):
        response = api_client.get(
            f"/api/v1/campaigns/{data.campaign.slug}/coverage/", params, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 400
    assert field in response.json()


def test_a_draft_campaign_is_not_found(api_client):
    campaign = factories.CampaignFactory(status="draft")
    assert api_client.get(f"/api/v1/campaigns/{campaign.slug}/coverage/").status_code == 404


def build_provinces(campaign, count):
    """`count` provinces, each with two counties, a received kit and a verified activity."""
    kit = factories.KitFactory(campaign=campaign)
    for index in range(count):
        prefix = f"{11 + index:02d}"
        province = region(f"{prefix}0000", f"省{index}", RegionLevel.PROVINCE)
        prefecture = region(f"{prefix}0100", f"市{index}", RegionLevel.PREFECTURE, province)
        first = region(f"{prefix}0101", f"县{index}a", RegionLevel.COUNTY, prefecture)
        region(f"{prefix}0102", f"县{index}b", RegionLevel.COUNTY, prefecture)
        unit = Facility.objects.create(
            name=f"馆{index}", kind="caravan", level="county", region=first, status="approved"
        )
        request = factories.KitRequestFactory(kit=kit, facility=unit, status="received")
        request.received_at = at(2)
        request.save()
        factories.ActivityFactory(campaign=campaign, facility=unit, region=first, status="verified")


@pytest.mark.parametrize("provinces", [3, 30])
def test_the_query_count_does_not_grow_with_the_provinces(
    provinces, api_client, django_assert_num_queries
):
    campaign = factories.CampaignFactory()
    build_provinces(campaign, provinces)
    url = f"/api/v1/campaigns/{campaign.slug}/coverage/"
    # campaign, tag check skipped (no tag), tree, tags, then one query per source (4)
    with django_assert_num_queries(9):
        body = api_client.get(url, {"level": "county"}).json()
    assert body["summary"] == {
        "counties": 2 * provinces,
        "counties_reached": provinces,
        "share": 0.5,
    }
    # Another level of the same computation comes from the cache: the campaign only.
    with django_assert_num_queries(1):
        assert len(api_client.get(url).json()["results"]) == provinces


def test_coverage_object_serves_several_levels_from_one_computation(
    data, django_assert_num_queries
):
    with django_assert_num_queries(8):
        coverage = Coverage(campaign=data.campaign)
        coverage.rows(level="province")
        coverage.rows(level="county", parent="230000")


def test_the_cached_answer_follows_new_activities_and_tags(data, api_client):
    url = f"/api/v1/campaigns/{data.campaign.slug}/coverage/"
    params = {"level": "county", "parent": "231100"}
    before = by_code(api_client.get(url, params).json())
    assert before["231124"]["counties_reached"] == 0
    factories.ActivityFactory(
        campaign=data.campaign, region=data.sunwu, status="verified", starts_at=at(20)
    )
    RegionTagAssignment.objects.create(region=data.sunwu, tag=tag("ethnic_minority"))
    after = by_code(api_client.get(url, params).json())
    assert after["231124"]["counties_reached"] == 1
    assert after["231124"]["last_reached_on"] == "2022-09-20"
    assert after["231124"]["tags"] == ["ethnic_minority"]


def test_held_stops_and_reported_trips_reach_their_counties(data):
    from events.models import CaravanTrip, CaravanTripStatus, TourStop, TourStopStatus
    from facilities.models import FacilityKind
    from resources.models import ExhibitionSet

    museum = factories.FacilityFactory(region=data.aihui)
    caravan = factories.FacilityFactory(region=data.aihui, kind=FacilityKind.CARAVAN)
    exhibition_set = ExhibitionSet.objects.create(
        code="HLJ-T", name="巡展", operator=museum, campaign=data.campaign
    )

    def stop(county, status, starts, ends, audience=0):
        return TourStop.objects.create(
            exhibition_set=exhibition_set,
            campaign=data.campaign,
            region=county,
            province=data.hlj,
            venue="体育馆",
            starts_on=datetime.date(2022, 9, starts),
            ends_on=datetime.date(2022, 9, ends),
            status=status,
            audience_total=audience,
        )

    def trip(county, status, day, audience=0):
        return CaravanTrip.objects.create(
            facility=caravan,
            campaign=data.campaign,
            region=county,
            province=data.hlj,
            destination="学校",
            starts_on=datetime.date(2022, 9, day),
            ends_on=datetime.date(2022, 9, day + 1),
            status=status,
            distance_km=120,
            audience_total=audience,
        )

    before = campaign_coverage(campaign=data.campaign)["summary"]["counties_reached"]
    # Neither a planned stop nor an approved (unreported) trip reaches a county.
    stop(data.daoli, TourStopStatus.PLANNED, 1, 20)
    trip(data.sunwu, CaravanTripStatus.APPROVED, 3)
    assert campaign_coverage(campaign=data.campaign)["summary"]["counties_reached"] == before

    stop(data.daoli, TourStopStatus.CLOSED, 21, 28, audience=4000)
    trip(data.sunwu, CaravanTripStatus.REPORTED, 10, audience=300)
    counties = by_code(campaign_coverage(campaign=data.campaign, level="county", parent="230000"))
    daoli, sunwu = counties["230102"], counties["231124"]
    assert (daoli["stops"], daoli["counties_reached"], daoli["audience"]) == (1, 1, 4000)
    assert daoli["last_reached_on"] == datetime.date(2022, 9, 28)
    assert (sunwu["trips"], sunwu["counties_reached"], sunwu["audience"]) == (1, 1, 300)
    assert sunwu["last_reached_on"] == datetime.date(2022, 9, 11)
    summary = campaign_coverage(campaign=data.campaign)["summary"]
    assert summary["counties_reached"] == before + 2
    stats = compute_campaign_stats(campaign=data.campaign)
    assert stats["counties_reached"] == before + 2
