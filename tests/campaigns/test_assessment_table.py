"""The yearly assessment of provinces: scores on a small data set checked by hand, weights,
scoping, the XLSX export, the page, and a query count independent of the number of provinces."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from campaigns import assessment
from campaigns.models import MonthlyReport
from campaigns.views.assessment import formula_safe
from resources.models import ExhibitionSet
from tests import factories
from tests.campaigns.assessment_support import (
    MARCH,
    D,
    attend,
    build_march,
    local,
    new_world,
    stop,
)


def accept(facility, month, submitted_at):
    report = assessment.create_report(by=None, facility=facility, month=month)
    report = assessment.submit_report(report=report, by=None)
    assessment.approve_report(report=report, by=None)
    report = assessment.approve_report(report=report, by=None)
    MonthlyReport.objects.filter(pk=report.pk).update(submitted_at=submitted_at)
    return report


@pytest.fixture
def world(db):
    world = new_world()
    build_march(world)
    far_set = ExhibitionSet.objects.create(code="GD-01", name="广东展", operator=world.far_museum)
    june = stop(
        world, D(2026, 6, 1), D(2026, 6, 30), region=world.far_county, exhibition_set=far_set
    )
    attend(june, D(2026, 6, 10), 1000)
    accept(world.museum, MARCH, local(2026, 4, 5))  # on time (due 10 April)
    accept(world.caravan, MARCH, local(2026, 4, 20))  # late
    accept(world.far_museum, D(2026, 6, 1), local(2026, 7, 1))
    return world


def by_province(rows):
    return {row["province"]: row for row in rows}


def test_scores_on_a_small_data_set_checked_by_hand(world):
    rows = assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    assert [row["province"] for row in rows] == ["230000", "440000"]
    north, south = rows
    expected_north = {
        "counties_reached": 2,  # two counties of stops; trips and activities add none
        "stops": 2,  # the cancelled stop does not count
        "audience": 920,  # 420 at the museum's March, 500 on the caravan's March trip
        "days_out": 4,
        "distance_km": 300,
        "activities": 2,
        "caravans_meeting_norm": 0.0,
        "reports_on_time": 0.5,
    }
    assert {k: north["indicators"][k] for k in expected_north} == expected_north
    assert south["indicators"]["audience"] == 1000
    assert (south["indicators"]["stops"], south["indicators"]["counties_reached"]) == (1, 1)
    assert south["indicators"]["reports_on_time"] == 1.0
    # 20·2/2 + 15·2/2 + 15·920/1000 + 10 + 10 + 10 + 0 + 10·0.5
    assert north["score"] == 83.8
    # 20·1/2 + 15·1/2 + 15·1000/1000 + 0 + 0 + 0 + 0 + 10·1
    assert south["score"] == 42.5
    assert (north["rank"], south["rank"]) == (1, 2)


def test_weights_set_per_campaign_change_the_ranking(world):
    weights = dict.fromkeys(assessment.DEFAULT_ASSESSMENT_WEIGHTS, 0)
    weights["audience"] = 100
    assessment.save_weights(campaign=world.campaign, weights=weights, by=world.admin)
    rows = assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    assert [(row["province"], row["score"]) for row in rows] == [
        ("440000", 100.0),
        ("230000", 92.0),
    ]
    with translation.override("en"), pytest.raises(ValidationError, match="sum to 100"):
        assessment.save_weights(
            campaign=world.campaign, weights={**weights, "audience": 99}, by=world.admin
        )
    with translation.override("en"), pytest.raises(ValidationError, match="weight for each"):
        assessment.save_weights(campaign=world.campaign, weights={"audience": 100}, by=world.admin)
    assert assessment.weights_for(world.campaign)["audience"] == 100


def test_the_endpoint_is_scoped(world, api_client):
    url = f"/api/v1/campaigns/{world.campaign.slug}/assessment/"
    assert api_client.get(url).status_code == 401
    api_client.force_authenticate(world.staff)
    assert api_client.get(url).status_code == 403
    api_client.force_authenticate(world.coordinator)
    body = api_client.get(url, {"year": 2026}).json()
    assert [row["province"] for row in body["provinces"]] == ["230000"]
    assert set(body["provinces"][0]) >= {"province", "name", "indicators", "score"}
    api_client.force_authenticate(world.admin)
    assert len(api_client.get(url, {"year": 2026}).json()["provinces"]) == 2
    assert api_client.get(url, {"year": "20x6"}).status_code == 400
    assert api_client.get("/api/v1/campaigns/nope/assessment/").status_code == 404


def test_the_query_count_does_not_grow_with_the_provinces(db, api_client):
    admin = factories.AdminFactory(username="centre")
    campaign = factories.CampaignFactory(slug="assessed")

    def add_provinces(start, count):
        for n in range(start, start + count):
            code = f"{11 + n:02d}0000"
            _province, _prefecture, county = factories.region_tree(code, f"省 {n}")
            museum = factories.FacilityFactory(region=county)
            exhibition_set = ExhibitionSet.objects.create(
                code=f"S-{n}", name=f"展 {n}", operator=museum
            )
            held = stop(
                None, D(2026, 3, 1), D(2026, 3, 20), region=county, exhibition_set=exhibition_set
            )
            attend(held, D(2026, 3, 2), 10 + n)
            accept(museum, MARCH, local(2026, 4, 1))

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(f"/api/v1/campaigns/{campaign.slug}/assessment/?year=2026")
        assert response.status_code == 200
        return len(response.json()["provinces"]), len(queries)

    api_client.force_authenticate(admin)
    add_provinces(0, 3)
    count_queries()  # the admin's scope is read once and kept on the user
    small = count_queries()
    add_provinces(3, 27)
    large = count_queries()
    assert (small[0], large[0]) == (3, 30)
    assert small[1] == large[1], (small, large)


def test_formula_safe_cells():
    for dangerous in ("=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert formula_safe(dangerous) == "'" + dangerous
    assert formula_safe("黑龙江") == "黑龙江"
    assert formula_safe(12) == 12


def test_the_page_and_the_xlsx_export(world, client):
    world.far_museum.name = '=HYPERLINK("http://evil.example","x")'
    world.far_museum.save()
    MonthlyReport.objects.filter(facility=world.far_museum).update(summary="+cmd|' /C calc'!A0")
    client.force_login(world.coordinator)
    page = client.get(f"/campaigns/{world.campaign.slug}/assessment/?year=2026")
    assert page.status_code == 200
    assert b'id="province-230000"' in page.content
    assert b'id="province-440000"' not in page.content  # a coordinator sees their province
    client.force_login(world.admin)
    response = client.get(f"/campaigns/{world.campaign.slug}/assessment.xlsx?year=2026")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    table, reports = workbook.worksheets
    rows = list(table.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["230000", "440000"]
    assert rows[1][-1] == 83.8
    texts = [cell for row in reports.iter_rows(values_only=True) for cell in row]
    assert "'" + world.far_museum.name in texts
    assert "'+cmd|' /C calc'!A0" in texts
    assert not any(isinstance(c, str) and c[:1] in "=+-@" for c in texts)
    client.force_login(world.staff)
    assert client.get(f"/campaigns/{world.campaign.slug}/assessment/").status_code == 403


def test_the_admin_edits_weights_only_when_they_sum_to_100(world, client):
    import json

    from campaigns.models import AssessmentWeights

    client.force_login(world.admin)
    weights = dict(assessment.DEFAULT_ASSESSMENT_WEIGHTS)
    weights["audience"] -= 1
    response = client.post(
        "/admin/campaigns/assessmentweights/add/",
        {"campaign": world.campaign.pk, "weights": json.dumps(weights)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert b"must sum to 100" in response.content
    assert not AssessmentWeights.objects.exists()
    weights["stops"] += 1
    response = client.post(
        "/admin/campaigns/assessmentweights/add/",
        {"campaign": world.campaign.pk, "weights": json.dumps(weights)},
    )
    assert response.status_code == 302
    assert assessment.weights_for(world.campaign) == weights


def test_priority_counties_reached_count_tagged_counties_only(world):
    from facilities.models import RegionTag, RegionTagAssignment

    border, _ = RegionTag.objects.get_or_create(code="border", defaults={"name": "边境地区"})
    north = by_province(
        assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    )["230000"]
    assert north["indicators"]["priority_counties_reached"] == 0
    RegionTagAssignment.objects.create(region=world.county, tag=border)
    north = by_province(
        assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    )["230000"]
    assert north["indicators"]["counties_reached"] == 2
    assert north["indicators"]["priority_counties_reached"] == 1
    # A tag on the province covers every county in it; the weight stays 0, the score the same.
    RegionTagAssignment.objects.create(region=world.province, tag=border)
    north = by_province(
        assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    )["230000"]
    assert north["indicators"]["priority_counties_reached"] == 2
    assert north["score"] == 83.8


def test_open_discrepancies_and_tickets_are_shown_and_fewer_score_better(world):
    from resources.models import (
        Discrepancy,
        Exhibit,
        KitRequest,
        RepairSeverity,
        RepairStatus,
        RepairTicket,
    )
    from tests import factories

    kit_request = factories.KitRequestFactory(facility=world.museum, quantity=3)
    KitRequest.objects.filter(pk=kit_request.pk).update(status="received")
    Discrepancy.objects.create(kit_request=kit_request, kind="short", quantity_missing=1)
    exhibit = Exhibit.objects.create(
        exhibition_set=world.exhibition_set, code="T1", name="展品", model="M-T"
    )
    RepairTicket.objects.create(
        exhibit=exhibit,
        exhibition_set=world.exhibition_set,
        fault="按钮失灵",
        severity=RepairSeverity.BLOCKING,
        status=RepairStatus.OPEN,
        opened_at=timezone.now(),
    )
    rows = by_province(
        assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    )
    north, south = rows["230000"], rows["440000"]
    assert north["indicators"]["discrepancies_open"] == 1
    assert north["indicators"]["repair_tickets_open"] == 1
    assert south["indicators"].get("discrepancies_open", 0) == 0
    assert north["score"] == 83.8  # weight 0 by default
    weights = dict.fromkeys(assessment.DEFAULT_ASSESSMENT_WEIGHTS, 0)
    weights["repair_tickets_open"] = 100
    assessment.save_weights(campaign=world.campaign, weights=weights, by=world.admin)
    rows = by_province(
        assessment.assessment_table(campaign=world.campaign, year=2026, user=world.admin)
    )
    assert (rows["230000"]["score"], rows["440000"]["score"]) == (0.0, 100.0)
