"""Regions and facilities through the API: filters, pagination, constant query counts."""

import pytest

from campaigns.models import ParticipationStatus
from facilities.models import Facility, FacilityKind, FacilityStatus, Region, RegionLevel
from tests import factories
from tests.facilities.world import client_for


def make_facilities(count, region, *, status=FacilityStatus.APPROVED, kind=FacilityKind.CARAVAN):
    start = Facility.objects.count()
    return Facility.objects.bulk_create(
        Facility(
            name=f"批量设施 {start + n}",
            kind=kind,
            level="county",
            status=status,
            region=region,
            province_id=region.province_code,
            contact_phone="13800000000",
        )
        for n in range(count)
    )


@pytest.fixture
def counties(db):
    """Province 23 with 3 prefectures of 4 counties each; province 11 with one county."""
    province = factories.RegionFactory(code="230000", name="黑龙江省", level=RegionLevel.PROVINCE)
    for p in range(1, 4):
        prefecture = factories.RegionFactory(
            code=f"23{p:02d}00", name=f"市{p}", level=RegionLevel.PREFECTURE, parent=province
        )
        for c in range(1, 5):
            factories.RegionFactory(
                code=f"23{p:02d}{c:02d}",
                name=f"县{p}-{c}",
                level=RegionLevel.COUNTY,
                parent=prefecture,
            )
    factories.region_tree("110000", "北京市")
    return province


@pytest.mark.django_db
def test_regions_filter_by_level_and_parent(counties, api_client):
    response = api_client.get("/api/v1/regions/?level=province")
    assert [row["code"] for row in response.json()["results"]] == ["110000", "230000"]
    response = api_client.get("/api/v1/regions/?parent=230000")
    body = response.json()
    assert body["count"] == 3
    assert body["results"][0] == {
        "code": "230100",
        "name": "市1",
        "level": "prefecture",
        "parent": "230000",
        "is_grouping": False,
        "tags": [],
    }
    response = api_client.get("/api/v1/regions/?parent=230200&level=county")
    assert [row["code"] for row in response.json()["results"]] == [
        "230201",
        "230202",
        "230203",
        "230204",
    ]
    assert api_client.get("/api/v1/regions/230201/").json()["parent"] == "230200"
    assert api_client.get("/api/v1/regions/?level=village").status_code == 400


@pytest.mark.django_db
def test_regions_page_size_goes_up_to_500(api_client):
    province = factories.RegionFactory(code="410000", name="河南省", level=RegionLevel.PROVINCE)
    Region.objects.bulk_create(
        Region(
            code=f"41{n // 100:02d}{n % 100:02d}", name=f"区{n}", level="county", parent=province
        )
        for n in range(100, 700)
        if n % 100
    )
    children = Region.objects.filter(parent=province).count()
    assert children > 500
    body = api_client.get("/api/v1/regions/?parent=410000&page_size=500").json()
    assert len(body["results"]) == 500 and body["count"] == children and body["next"]
    body = api_client.get("/api/v1/regions/?parent=410000&page_size=5000").json()
    assert len(body["results"]) == 500
    body = api_client.get("/api/v1/regions/?parent=410000").json()
    assert len(body["results"]) == 50


@pytest.mark.django_db
def test_facility_filters(counties, api_client):
    county_1 = Region.objects.get(code="230101")
    county_2 = Region.objects.get(code="230302")
    beijing = Region.objects.get(code="111102")
    in_1 = factories.FacilityFactory(name="一号车", region=county_1, kind=FacilityKind.CARAVAN)
    in_2 = factories.FacilityFactory(name="二号馆", region=county_2, address="友谊路 9 号")
    prefecture_unit = factories.FacilityFactory(
        name="市级馆", region=Region.objects.get(code="230100")
    )
    provincial = factories.FacilityFactory(name="省科技馆", region=counties)
    in_beijing = factories.FacilityFactory(name="北京馆", region=beijing)
    factories.FacilityFactory(name="待审", region=county_1, status=FacilityStatus.PENDING)
    campaign = factories.CampaignFactory()
    factories.ParticipationFactory(campaign=campaign, facility=in_2)
    factories.ParticipationFactory(
        campaign=campaign, facility=in_1, status=ParticipationStatus.APPLIED
    )

    def ids(query):
        response = api_client.get(f"/api/v1/facilities/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("province=230000") == {in_1.pk, in_2.pk, prefecture_unit.pk, provincial.pk}
    assert ids("region=230000") == {in_1.pk, in_2.pk, prefecture_unit.pk, provincial.pk}
    assert ids("region=230100") == {in_1.pk, prefecture_unit.pk}
    assert ids("region=230101") == {in_1.pk}
    assert ids("region=999999") == set()
    assert ids("kind=caravan") == {in_1.pk}
    assert ids(f"campaign={campaign.pk}") == {in_2.pk}
    assert ids("q=友谊路") == {in_2.pk}
    assert ids("q=北京") == {in_beijing.pk}
    assert ids("status=pending") == set()  # nobody sees others' pending facilities
    assert api_client.get("/api/v1/facilities/?kind=spaceship").status_code == 400

    row = api_client.get(f"/api/v1/facilities/{prefecture_unit.pk}/").json()
    assert row["level"] == "prefecture" and row["province"] == "230000"
    assert row["region"] == "230100" and row["province_name"] == "黑龙江省"
    assert api_client.get(f"/api/v1/facilities/{provincial.pk}/").json()["level"] == "provincial"


@pytest.mark.django_db
def test_facility_list_is_paginated_with_a_stable_order(counties, api_client):
    county = Region.objects.get(code="230101")
    make_facilities(7, county)
    body = api_client.get("/api/v1/facilities/?page_size=3").json()
    assert body["count"] == 7 and len(body["results"]) == 3 and body["next"]
    seen = [row["id"] for row in body["results"]]
    for page in (2, 3):
        seen += [
            row["id"]
            for row in api_client.get(f"/api/v1/facilities/?page_size=3&page={page}").json()[
                "results"
            ]
        ]
    assert sorted(seen) == sorted(Facility.objects.values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "staff_a", "coordinator_a", "admin"])
def test_facility_list_runs_a_constant_number_of_queries(
    world, api_client, django_assert_max_num_queries, role
):
    client = client_for(api_client, world.user(role))
    county = world.county_a

    def measure(total):
        make_facilities(total - Facility.objects.count(), county)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/facilities/?page_size=500")
        assert response.status_code == 200
        assert len(response.json()["results"]) >= total - 1  # A is pending for some roles
        return len(queries)

    small, large = measure(10), measure(200)
    assert small == large
    # Token lookup, the caller's scope (memberships, provinces), count, page.
    with django_assert_max_num_queries(6):
        client.get("/api/v1/facilities/?page_size=500")


@pytest.mark.django_db
def test_participation_list_runs_a_constant_number_of_queries(world, api_client):
    campaign = factories.CampaignFactory()
    client = client_for(api_client, world.admin)

    def measure(total):
        for facility in make_facilities(total - campaign.participations.count(), world.county_a):
            factories.ParticipationFactory(campaign=campaign, facility=facility)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        counts = []
        for url in (
            f"/api/v1/campaigns/{campaign.slug}/participations/?page_size=500",
            "/api/v1/participations/?page_size=500",
        ):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert len(response.json()["results"]) == total
            counts.append(len(queries))
        return counts

    assert measure(10) == measure(60)
