"""The coverage figures of GET /api/v1/campaigns/{slug}/stats/ against values worked out by hand."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import CampaignStatus, Participation, ParticipationStatus
from campaigns.stats import (
    StatsFilter,
    bump_stats_version,
    compute_campaign_stats,
    get_campaign_stats,
)
from events.models import ActivityStatus
from resources.models import DownloadDaily, KitRequestStatus
from tests import factories

from .stats_support import (
    HEILONGJIANG,
    JILIN,
    build_known_data,
    build_provinces,
    expected_by_province,
    expected_figures,
    today_local,
)

pytestmark = pytest.mark.django_db

STATS_URL = "/api/v1/campaigns/{}/stats/"


@pytest.fixture
def known(db):
    return build_known_data()


def get_stats(client, campaign, **params):
    response = client.get(STATS_URL.format(campaign.slug), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_every_figure_of_the_stats_api_matches_the_hand_count(client, known):
    stats = get_stats(client, known.campaign)
    for name, value in expected_figures().items():
        assert stats[name] == value, name
    assert stats["by_province"] == expected_by_province()
    resources = known.resources
    assert stats["top_resources"] == [
        {"id": resources["R1"].pk, "title": "资源 R1", "count": 10 + 5 + 7 + 1},
        {"id": resources["R2"].pk, "title": "资源 R2", "count": 3 + 2},
        {"id": resources["R3"].pk, "title": "资源 R3", "count": 4},
    ]
    assert stats["campaign"] == known.campaign.slug
    assert stats["filters"] == {"provinces": [], "date_from": None, "date_to": None}


def test_the_province_filter_restricts_every_figure_but_the_catalogue(client, known):
    stats = get_stats(client, known.campaign, province=HEILONGJIANG)
    assert stats["facilities_participating"] == 3
    assert stats["facilities_by_kind"] == {
        "mobile_museum": 1,
        "caravan": 1,
        "science_center": 1,
        "popularization_center": 0,
        "other": 0,
    }
    assert stats["facilities_by_province"] == [
        {"province": HEILONGJIANG, "name": "黑龙江省", "count": 3}
    ]
    assert stats["flags_awarded"] == 2
    assert stats["kit_requests"] == {
        "submitted": 1,
        "approved": 0,
        "rejected": 0,
        "shipped": 0,
        "received": 3,
        "cancelled": 0,
    }
    assert stats["kits_units_shipped"] == 6
    assert stats["grassroots_facilities_reached"] == 1
    assert stats["digital_resources_published"] == 2
    assert stats["downloads_total"] == 19
    assert stats["downloads_by_province"] == [
        {"province": HEILONGJIANG, "name": "黑龙江省", "count": 19}
    ]
    assert stats["downloads_by_day"] == [
        {"date": "2022-09-01", "count": 10},
        {"date": "2022-09-02", "count": 7},
        {"date": today_local().isoformat(), "count": 2},
    ]
    assert stats["activities_reported"] == 3
    assert stats["audience_total"] == 2450
    assert stats["by_province"] == expected_by_province()[:1]


def test_the_date_window_counts_each_figure_by_the_date_of_its_own_event(client, known):
    # Request 6 was submitted inside the window; every other request was created today.
    known.requests[6].__class__.objects.filter(pk=known.requests[6].pk).update(
        created_at=datetime.datetime(2022, 9, 2, 9, tzinfo=datetime.UTC)
    )
    stats = get_stats(client, known.campaign, date_from="2022-09-02", date_to="2022-09-03")
    assert stats["facilities_participating"] == 1  # C1, approved on 2 September
    assert stats["flags_awarded"] == 1  # C1's flag, 3 September
    assert stats["kit_requests"]["submitted"] == 1
    assert sum(stats["kit_requests"].values()) == 1
    assert stats["kits_units_shipped"] == 5  # request 5, shipped 2 September
    assert stats["grassroots_facilities_reached"] == 1  # C2, received 3 September
    assert stats["digital_resources_published"] == 1  # R2, published 2 September
    assert stats["downloads_total"] == 10 + 4
    assert stats["downloads_by_day"] == [
        {"date": "2022-09-02", "count": 10},
        {"date": "2022-09-03", "count": 4},
    ]
    assert stats["activities_reported"] == 2  # a2 and a3 (a4 was rejected)
    assert stats["audience_total"] == 150  # a2; a3 is not verified yet
    assert stats["filters"] == {
        "provinces": [],
        "date_from": "2022-09-02",
        "date_to": "2022-09-03",
    }


def test_downloads_after_midnight_shanghai_time_count_on_the_local_day(client, known):
    stats = get_stats(client, known.campaign, date_from="2022-09-04", date_to="2022-09-04")
    assert stats["downloads_by_day"] == [{"date": "2022-09-04", "count": 1}]
    assert stats["downloads_by_province"] == [{"province": JILIN, "name": "吉林省", "count": 1}]


def test_an_empty_campaign_has_every_key_with_zeros(client):
    campaign = factories.CampaignFactory()
    stats = get_stats(client, campaign)
    assert stats["facilities_participating"] == 0
    assert set(stats["kit_requests"]) == set(KitRequestStatus.values)
    assert not any(stats["kit_requests"].values())
    assert stats["facilities_by_province"] == []
    assert stats["downloads_by_day"] == []
    assert stats["grassroots_facilities_reached"] == 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"province": "23"}, "province"),
        ({"province": "230100"}, "province"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2022-09-03", "date_to": "2022-09-01"}, "date_to"),
    ],
)
def test_bad_filters_get_a_400_naming_the_field(client, params, field):
    campaign = factories.CampaignFactory()
    response = client.get(STATS_URL.format(campaign.slug), params)
    assert response.status_code == 400
    assert field in response.json()


def test_a_draft_campaign_is_404_except_for_administrators(client, admin_user):
    campaign = factories.CampaignFactory(status=CampaignStatus.DRAFT)
    assert client.get(STATS_URL.format(campaign.slug)).status_code == 404
    assert client.get(STATS_URL.format("no-such-campaign")).status_code == 404
    client.force_login(admin_user)
    assert client.get(STATS_URL.format(campaign.slug)).status_code == 200


def test_the_query_count_does_not_grow_from_3_to_30_provinces(
    client, django_assert_max_num_queries
):
    campaign = factories.CampaignFactory()
    build_provinces(campaign, first=11, count=3)
    with CaptureQueriesContext(connection) as small:
        stats = get_stats(client, campaign)
    assert stats["facilities_participating"] == 9
    assert stats["grassroots_facilities_reached"] == 3

    build_provinces(campaign, first=31, count=27)
    bump_stats_version(campaign.pk)
    with CaptureQueriesContext(connection) as large:
        stats = get_stats(client, campaign)
    assert stats["facilities_participating"] == 90
    assert stats["grassroots_facilities_reached"] == 30
    assert len(stats["facilities_by_province"]) == 30
    assert stats["downloads_total"] == 30 * (1 + 2 + 3) + 30
    assert stats["audience_total"] == 900
    assert len(large) == len(small)
    # The campaign, then the service: eight queries of the figures, one of allotments by
    # province, two of stops and trips, two of repair tickets, and those of the counties
    # reached.
    assert len(large) <= 19

    with django_assert_max_num_queries(1):  # the campaign only: the figures come from the cache
        get_stats(client, campaign)


def test_figures_come_from_the_cache_until_the_data_changes(known):
    campaign = known.campaign
    first = get_campaign_stats(campaign=campaign)
    with CaptureQueriesContext(connection) as queries:
        assert get_campaign_stats(campaign=campaign) == first
    assert len(queries) == 0

    # A signalled change (a participation approved) shows at once.
    factories.ParticipationFactory(
        campaign=campaign,
        facility=factories.FacilityFactory(region=known.facilities["B1"].region),
        status=ParticipationStatus.APPROVED,
    )
    assert get_campaign_stats(campaign=campaign)["facilities_participating"] == 7

    # Kit requests, activities and resources signal too.
    request = known.requests[4]
    request.status = KitRequestStatus.RECEIVED
    request.save()
    assert get_campaign_stats(campaign=campaign)["kit_requests"]["received"] == 5
    activity = known.activities["a3"]
    activity.status = ActivityStatus.VERIFIED
    activity.save()
    assert get_campaign_stats(campaign=campaign)["audience_total"] == 3450
    known.resources["R3"].delete()
    assert get_campaign_stats(campaign=campaign)["digital_resources_published"] == 2
    assert get_campaign_stats(campaign=campaign)["downloads_total"] == 32 - 4


def test_a_facility_change_refreshes_every_campaign(known):
    campaign = known.campaign
    assert get_campaign_stats(campaign=campaign)["grassroots_facilities_reached"] == 2
    facility = known.facilities["A2"]
    facility.level = "county"
    facility.save()
    assert get_campaign_stats(campaign=campaign)["grassroots_facilities_reached"] == 3


def test_bulk_changes_show_after_an_explicit_bump(known):
    campaign = known.campaign
    before = get_campaign_stats(campaign=campaign)["downloads_total"]
    DownloadDaily.objects.create(
        resource=known.resources["R1"], date=datetime.date(2022, 9, 5), count=50
    )
    # No signal for roll-ups (downloads rely on the short expiry) ...
    assert get_campaign_stats(campaign=campaign)["downloads_total"] == before
    # ... while code that changes figures in bulk may refresh them at once.
    bump_stats_version(campaign.pk)
    assert get_campaign_stats(campaign=campaign)["downloads_total"] == before + 50


def test_filters_are_cached_separately(known):
    campaign = known.campaign
    whole = get_campaign_stats(campaign=campaign)
    one = get_campaign_stats(campaign=campaign, filters=StatsFilter(provinces=(JILIN,)))
    assert whole["facilities_participating"] == 6
    assert one["facilities_participating"] == 2


def test_compute_and_cached_figures_agree(known):
    assert compute_campaign_stats(campaign=known.campaign) | {"generated_at": None} == (
        get_campaign_stats(campaign=known.campaign) | {"generated_at": None}
    )


def test_withdrawn_participations_and_other_campaigns_never_count(known):
    Participation.objects.filter(facility=known.facilities["A4"]).update(
        status=ParticipationStatus.APPROVED
    )
    bump_stats_version(known.campaign.pk)
    stats = get_campaign_stats(campaign=known.campaign)
    assert stats["facilities_participating"] == 7  # A4 now approved here
    assert stats["kit_requests"]["received"] == 4  # still not request 10 (other campaign)
    assert timezone.now().isoformat() >= stats["generated_at"]


@pytest.fixture
def redis_cache(settings):
    """Django's cache on the real Redis, under a key prefix of this test's own."""
    from django.core.cache import cache

    prefix = f"stats-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/12",
            "KEY_PREFIX": prefix,
        }
    }
    client = cache._cache.get_client(write=True)
    yield client, prefix
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def test_figures_live_in_redis_for_two_minutes_at_most(known, redis_cache):
    client, prefix = redis_cache
    campaign = known.campaign
    assert get_campaign_stats(campaign=campaign)["facilities_participating"] == 6
    keys = [
        key.decode() for key in client.scan_iter(match=f"{prefix}:*campaign-stats:{campaign.pk}:*")
    ]
    assert len(keys) == 1
    assert 0 < client.ttl(keys[0]) <= 120

    # A change signalled in this process reaches every process through the version in Redis.
    factories.ParticipationFactory(
        campaign=campaign,
        facility=factories.FacilityFactory(region=known.facilities["C1"].region),
    )
    assert get_campaign_stats(campaign=campaign)["facilities_participating"] == 7
