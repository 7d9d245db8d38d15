"""Where an exhibition set should go next: the ranking on a small hand-made province, its
reasons, the API's permissions and validation, its query count, and the set page's links."""

import datetime

import pytest
from django.utils import timezone, translation

from campaigns.suggestions import great_circle_km, suggested_stops
from events.models import TourStop, TourStopStatus
from facilities.models import RegionLevel, RegionTagAssignment
from resources.models import ExhibitionSet
from tests import factories
from tests.campaigns.coverage_support import region, tag
from tests.events.field_support import build_field_world

pytestmark = pytest.mark.django_db

# Expected order of the hand-made province of Heilongjiang (real codes and centre points):
EXPECTED = [
    "231124",  # Sunwu: never reached, tagged border
    "231123",  # Xunke: never reached, about 100 km from the last stop
    "231181",  # Bei'an: never reached, about 240 km (a cancelled stop does not exclude it)
    "231121",  # old Nenjiang code: never reached, no centre point
    "231202",  # reached 20 days ago, but its prefecture carries a tag
    "231182",  # reached 14 months ago
    "231102",  # Aihui: the last stop, closed 40 days ago
]


def months_ago(today, months):
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return datetime.date(year, month + 1, min(today.day, 28))


def at_noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


class Province:
    """The field world's Heilongjiang, grown to two prefectures and nine counties."""

    def __init__(self):
        self.world = world = build_field_world(exhibits=0)
        self.today = today = timezone.localdate()
        prefecture = world.prefecture
        for code, name in (
            ("231123", "逊克县"),
            ("231124", "孙吴县"),
            ("231181", "北安市"),
            ("231182", "五大连池市"),
            ("231183", "嫩江市"),
        ):
            region(code, name, RegionLevel.COUNTY, prefecture)
        suihua = region("231200", "绥化市", RegionLevel.PREFECTURE, world.province)
        region("231202", "北林区", RegionLevel.COUNTY, suihua)
        RegionTagAssignment.objects.create(region_id="231124", tag=tag("border"))
        RegionTagAssignment.objects.create(region=suihua, tag=tag("ethnic_minority"))
        the_set = world.exhibition_set

        def stop(code, status, starts, ends, exhibition_set=the_set):
            return TourStop.objects.create(
                exhibition_set=exhibition_set,
                campaign=world.campaign,
                region_id=code,
                venue="体育馆",
                starts_on=starts,
                ends_on=ends,
                status=status,
            )

        day = datetime.timedelta(days=1)
        stop("231102", TourStopStatus.CLOSED, today - 70 * day, today - 40 * day)
        stop("231181", TourStopStatus.CANCELLED, today + 10 * day, today + 20 * day)
        stop("231183", TourStopStatus.PLANNED, today + 30 * day, today + 60 * day)

        def activity(code, on):
            factories.ActivityFactory(
                campaign=world.campaign,
                facility=world.museum,
                region_id=code,
                starts_at=at_noon(on),
                status="verified",
            )

        activity("231202", today - 20 * day)
        activity("231182", months_ago(today, 14))
        # Another campaign's activity reaches nothing for this one.
        activity_elsewhere = factories.CampaignFactory()
        factories.ActivityFactory(
            campaign=activity_elsewhere,
            facility=world.museum,
            region_id="231124",
            status="verified",
        )

    def rank(self, **kwargs):
        return suggested_stops(
            campaign=self.world.campaign, exhibition_set=self.world.exhibition_set, **kwargs
        )


@pytest.fixture
def province():
    return Province()


def english(function, *args, **kwargs):
    with translation.override("en"):
        return function(*args, **kwargs)


def test_the_ranking_follows_never_reached_tags_age_then_distance(province):
    answer = english(province.rank, count=50)
    assert [row["code"] for row in answer] == EXPECTED
    scores = [row["score"] for row in answer]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)


def test_counties_of_other_provinces_and_with_planned_or_open_stops_are_left_out(province):
    world = province.world
    codes = {row["code"] for row in province.rank(count=50)}
    assert "231183" not in codes  # planned stop of the set
    assert world.far_county.code not in codes  # Guangdong
    # Opening a stop in Xunke takes it out and makes it the origin of the distances.
    TourStop.objects.create(
        exhibition_set=world.exhibition_set,
        campaign=world.campaign,
        region_id="231123",
        venue="逊克县体育馆",
        starts_on=province.today - datetime.timedelta(days=5),
        ends_on=province.today + datetime.timedelta(days=5),
        status=TourStopStatus.OPEN,
    )
    answer = english(province.rank, count=50)
    assert "231123" not in [row["code"] for row in answer]
    bei_an = next(row for row in answer if row["code"] == "231181")
    assert bei_an["reasons"][-1].endswith("km from the current stop")


def test_a_stop_of_another_set_does_not_exclude_a_county(province):
    other_set = ExhibitionSet.objects.create(
        code="HLJ-02", name="另一套", operator=province.world.museum
    )
    TourStop.objects.create(
        exhibition_set=other_set,
        region_id="231123",
        venue="逊克",
        starts_on=province.today,
        ends_on=province.today,
        status=TourStopStatus.PLANNED,
    )
    assert "231123" in [row["code"] for row in province.rank(count=50)]


def test_the_reasons_say_why_in_words(province):
    reasons = {row["code"]: row["reasons"] for row in english(province.rank, count=50)}
    aihui, xunke = (127.5, 50.252), (128.479, 49.564)
    xunke_km = round(great_circle_km(aihui, xunke))
    assert 90 < xunke_km < 110
    border, minority = (
        english(lambda code: tag(code).label, c) for c in ("border", "ethnic_minority")
    )
    assert reasons["231124"][:2] == ["never reached by this campaign", f"priority: {border}"]
    assert reasons["231123"] == [
        "never reached by this campaign",
        f"{xunke_km} km from the last stop",
    ]
    assert reasons["231121"] == ["never reached by this campaign"]  # no centre point
    assert reasons["231202"][:2] == [f"priority: {minority}", "last reached 20 days ago"]
    assert reasons["231182"][0] == "last reached 14 months ago"
    assert reasons["231102"] == ["last reached 1 month ago", "0 km from the last stop"]


def test_distance_breaks_ties_and_unknown_distance_comes_last(province):
    centres = {"231102": (127.5, 50.252), "231181": (127.6, 50.3), "231123": (130.0, 45.0)}
    codes = [row["code"] for row in province.rank(count=3, centres=centres)]
    # Sunwu is tagged; among the untagged never reached, Bei'an is now the nearest.
    assert codes == ["231124", "231181", "231123"]


def test_without_any_stop_there_is_no_distance(province):
    TourStop.objects.filter(exhibition_set=province.world.exhibition_set).delete()
    answer = english(province.rank, count=50)
    assert not any("km from" in reason for row in answer for reason in row["reasons"])
    # Aihui and Nenjiang are now free and never reached: code order decides among equals.
    assert [row["code"] for row in answer][:2] == ["231124", "231102"]


# --- the API ------------------------------------------------------------------------------


def url(world):
    return f"/api/v1/campaigns/{world.campaign.slug}/suggested-stops/"


@pytest.mark.parametrize("who", ["staff", "coordinator", "admin"])
def test_managers_get_the_ranking(province, api_client, who):
    world = province.world
    api_client.force_authenticate(getattr(world, who))
    response = api_client.get(
        url(world), {"exhibition_set": world.exhibition_set.pk}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    body = response.json()
    assert [row["code"] for row in body] == EXPECTED[:5]  # five unless asked
    assert set(body[0]) == {"code", "name", "score", "reasons"}
    assert body[0]["name"] == "孙吴县"
    assert body[0]["reasons"][0] == "never reached by this campaign"


def test_count_limits_the_answer(province, api_client):
    world = province.world
    api_client.force_authenticate(world.staff)
    response = api_client.get(url(world), {"exhibition_set": world.exhibition_set.pk, "count": 2})
    assert [row["code"] for row in response.json()] == EXPECTED[:2]


def test_anonymous_is_401(province, api_client):
    world = province.world
    response = api_client.get(url(world), {"exhibition_set": world.exhibition_set.pk})
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["host_staff", "far_staff", "far_coordinator", "outsider"])
def test_a_visible_set_the_user_does_not_manage_is_403(province, api_client, who):
    world = province.world
    api_client.force_authenticate(getattr(world, who))
    response = api_client.get(url(world), {"exhibition_set": world.exhibition_set.pk})
    assert response.status_code == 403


def test_a_set_the_user_may_not_see_is_404(province, api_client):
    world = province.world
    world.museum.status = "pending"
    world.museum.save(update_fields=["status"])
    api_client.force_authenticate(world.far_staff)
    response = api_client.get(url(world), {"exhibition_set": world.exhibition_set.pk})
    assert response.status_code == 404
    missing = api_client.get(url(world), {"exhibition_set": 999_999})
    assert missing.status_code == 404


def test_a_campaign_not_visible_is_404(province, api_client):
    world = province.world
    draft = factories.CampaignFactory(status="draft")
    api_client.force_authenticate(world.staff)
    response = api_client.get(
        f"/api/v1/campaigns/{draft.slug}/suggested-stops/",
        {"exhibition_set": world.exhibition_set.pk},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "exhibition_set"),
        ({"exhibition_set": "abc"}, "exhibition_set"),
        ({"exhibition_set": "0"}, "exhibition_set"),
        ({"exhibition_set": "SET", "count": "5"}, "exhibition_set"),
        ({"count": "0"}, "count"),
        ({"count": "51"}, "count"),
        ({"count": "many"}, "count"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(province, api_client, params, field):
    world = province.world
    api_client.force_authenticate(world.staff)
    query = {"exhibition_set": world.exhibition_set.pk, **params} if field == "count" else params
    response = api_client.get(url(world), query)
    assert response.status_code == 400
    assert field in response.json()


def grow(province, counties):
    """More counties and more stops of the set, all in the same province."""
    world = province.world
    prefecture = region("232700", "大兴安岭地区", RegionLevel.PREFECTURE, world.province)
    for index in range(counties):
        code = f"2327{index + 1:02d}"
        region(code, f"县{index}", RegionLevel.COUNTY, prefecture)
        RegionTagAssignment.objects.create(region_id=code, tag=tag("border"))
        start = province.today + datetime.timedelta(days=100 + 10 * index)
        TourStop.objects.create(
            exhibition_set=world.exhibition_set,
            campaign=world.campaign,
            region_id=code,
            venue="馆",
            starts_on=start,
            ends_on=start,
            status=TourStopStatus.PLANNED if index % 2 else TourStopStatus.CLOSED,
        )


@pytest.mark.parametrize("extra_counties", [0, 12])
def test_the_query_count_is_constant(
    province, api_client, django_assert_num_queries, extra_counties
):
    world = province.world
    grow(province, extra_counties)
    api_client.force_authenticate(world.staff)
    # the user's scope (memberships, coordinators), campaign, set, region tree,
    # four reaching sources, the set's stops, the tags
    with django_assert_num_queries(11):
        response = api_client.get(url(world), {"exhibition_set": world.exhibition_set.pk})
    assert response.status_code == 200


def test_the_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/campaigns/{slug}/suggested-stops/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"slug", "exhibition_set", "count"} <= names


# --- the set page and the stop form -------------------------------------------------------


def test_the_set_page_shows_five_suggestions_with_links_that_prefill_the_form(province, client):
    world = province.world
    client.force_login(world.staff)
    page = client.get(f"/exhibition-sets/{world.exhibition_set.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    plan_url = f"/field/sets/{world.exhibition_set.pk}/plan-stop/"
    for code in EXPECTED[:5]:
        assert f'href="{plan_url}?region={code}"' in html
    assert html.count('class="plan-here"') == 5
    assert "never reached by this campaign" in html
    form = client.get(f"{plan_url}?region=231124", HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200
    assert form.context["form"]["region"].value() == "231124"
    assert 'value="231124"' in form.content.decode()


def test_the_public_set_page_shows_no_suggestions(province, client):
    world = province.world
    client.force_login(world.outsider)
    html = client.get(f"/exhibition-sets/{world.exhibition_set.pk}/").content.decode()
    assert 'class="plan-here"' not in html
    assert "suggestions-title" not in html


@pytest.mark.parametrize(
    "last, expected",
    [
        (datetime.date(2026, 3, 10), "reached today"),
        (datetime.date(2026, 3, 9), "last reached 1 day ago"),
        (datetime.date(2026, 2, 11), "last reached 27 days ago"),
        (datetime.date(2026, 2, 10), "last reached 1 month ago"),
        (datetime.date(2025, 1, 10), "last reached 14 months ago"),
    ],
)
def test_how_long_ago_reads(last, expected):
    from campaigns.suggestions import Candidate, _reasons

    candidate = Candidate("231102", "爱辉区", True, last, [], None)
    assert english(_reasons, candidate, datetime.date(2026, 3, 10), None) == [expected]
