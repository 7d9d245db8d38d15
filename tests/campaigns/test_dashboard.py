"""The statistics dashboard, its scoping and its CSV/XLSX exports."""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from campaigns.charts import bar_chart, fill_days, line_chart, nice_ceiling
from campaigns.views.dashboard import PROVINCE_COLUMNS
from tests import factories

from .stats_support import HEILONGJIANG, JILIN, LIAONING, build_known_data

STATS_URL = "/api/v1/campaigns/{}/stats/"


@pytest.fixture
def known(db):
    return build_known_data()


@pytest.fixture
def coordinator(known):
    """The coordinator of Heilongjiang."""
    from facilities.models import Region

    return factories.CoordinatorFactory(province=Region.objects.get(code=HEILONGJIANG)).user


def read_csv(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# ---------------------------------------------------------------------------
# Who may see it
# ---------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, known):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_facility_staff_may_not_read_the_dashboard_or_exports(client, known):
    staff = factories.MembershipFactory(facility=known.facilities["A1"]).user
    client.force_login(staff)
    assert client.get(reverse("dashboard")).status_code == 403
    assert client.get(reverse("dashboard-export-csv")).status_code == 403
    assert client.get(reverse("dashboard-export-xlsx")).status_code == 403
    assert 'href="/dashboard/"' not in client.get(reverse("home")).content.decode()


def test_the_nav_shows_the_dashboard_to_administrators_and_coordinators(
    client, admin_user, coordinator
):
    client.force_login(admin_user)
    assert 'href="/dashboard/"' in client.get(reverse("home")).content.decode()
    client.force_login(coordinator)
    assert 'href="/dashboard/"' in client.get(reverse("home")).content.decode()


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


def test_an_administrator_sees_every_figure_and_the_charts(client, admin_user, known):
    client.force_login(admin_user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert known.campaign.title in page
    assert 'data-figure="grassroots_facilities_reached">2<' in page
    assert 'data-figure="facilities_participating">6<' in page
    assert 'data-figure="downloads_total">32<' in page
    # Grouping follows the language (Chinese groups digits by four, English by three).
    assert re.search(r'data-figure="audience_total">2,?450<', page)
    for chart_id in (
        "chart-provinces",
        "chart-downloads-by-day",
        "chart-downloads-by-province",
        "chart-requests-by-status",
        "chart-top-resources",
        "chart-activities-by-kind",
        "chart-repairs-by-severity",
        "chart-repairs-by-cause",
    ):
        assert f'id="{chart_id}"' in page
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in page
    # Faults per exhibit model has no ticket to show here: only its empty note, no drawing.
    assert 'id="chart-faults-by-model"' in page
    assert page.count("<svg") == 8
    # The province chart draws both series for each province; the fallback table has numbers.
    charts = {chart["id"]: chart for chart in response.context["charts"]}
    rows = charts["chart-provinces"]["table"]["rows"]
    assert rows == [["黑龙江省", 3, 1], ["吉林省", 2, 0], ["辽宁省", 1, 1]]
    for name in ("黑龙江省", "吉林省", "辽宁省"):
        assert name in page


def test_the_province_filter_narrows_the_figures(client, admin_user, known):
    client.force_login(admin_user)
    response = client.get(reverse("dashboard"), {"province": JILIN})
    stats = response.context["stats"]
    assert stats["facilities_participating"] == 2
    assert [row["province"] for row in stats["by_province"]] == [JILIN]
    assert 'data-figure="facilities_participating">2<' in response.content.decode()


def test_a_coordinator_sees_only_their_province(client, coordinator, known):
    client.force_login(coordinator)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats["filters"]["provinces"] == [HEILONGJIANG]
    assert stats["facilities_participating"] == 3
    assert stats["downloads_total"] == 19
    assert [row["province"] for row in stats["by_province"]] == [HEILONGJIANG]
    page = response.content.decode()
    assert "黑龙江省" in page
    assert "吉林省" not in page and "辽宁省" not in page
    assert list(response.context["form"].fields["province"].choices) == [(HEILONGJIANG, "黑龙江省")]


def test_a_coordinator_asking_for_another_province_still_sees_only_theirs(
    client, coordinator, known
):
    client.force_login(coordinator)
    response = client.get(reverse("dashboard"), {"province": JILIN})
    assert response.status_code == 200
    assert response.context["form"].errors["province"]
    assert response.context["stats"]["filters"]["provinces"] == [HEILONGJIANG]
    assert "吉林省" not in response.content.decode()
    assert client.get(reverse("dashboard-export-csv"), {"province": JILIN}).status_code == 400


def test_a_coordinator_of_two_provinces_may_see_both_together_or_one(client, coordinator, known):
    from facilities.models import Region

    factories.CoordinatorFactory(user=coordinator, province=Region.objects.get(code=LIAONING))
    client.force_login(coordinator)
    stats = client.get(reverse("dashboard")).context["stats"]
    assert stats["filters"]["provinces"] == [LIAONING, HEILONGJIANG]
    assert stats["facilities_participating"] == 3 + 1
    stats = client.get(reverse("dashboard"), {"province": LIAONING}).context["stats"]
    assert stats["facilities_participating"] == 1


def test_the_dashboard_can_show_another_campaign(client, admin_user, known):
    client.force_login(admin_user)
    response = client.get(reverse("dashboard"), {"campaign": known.other.slug})
    assert response.context["campaign"] == known.other
    assert response.context["stats"]["facilities_participating"] == 1


def test_without_any_campaign_the_dashboard_says_so(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "<svg" not in response.content.decode()


def test_the_public_home_page_shows_the_live_figures(client, known):
    page = client.get(reverse("home")).content.decode()
    assert 'data-figure="grassroots_facilities_reached">2<' in page
    assert 'data-figure="facilities_participating">6<' in page
    assert 'data-figure="activities_verified">3<' in page  # the fourth awaits review


def test_public_figures_count_the_activities_the_public_feed_lists(client, known):
    """The figure on the home and campaign pages is the number of reports the feed shows."""
    listed = (
        client.get(reverse("events:campaign_feed", args=[known.campaign.slug]))
        .context["page"]
        .paginator.count
    )
    for url in (reverse("home"), reverse("campaign-detail", args=[known.campaign.slug])):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f'data-figure="activities_verified">{listed}<' in page, url
        assert "activities_reported" not in page
        assert "Verified activities" in page


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


def test_the_province_csv_matches_the_api_figures(client, admin_user, known):
    client.force_login(admin_user)
    stats = client.get(STATS_URL.format(known.campaign.slug)).json()
    response = client.get(reverse("dashboard-export-csv"), {"by": "province"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    keys = [key for key, _label in PROVINCE_COLUMNS]
    assert len(header) == len(keys)
    *province_rows, total = [
        {
            key: value if key in ("province", "name") else int(value)
            for key, value in zip(keys, row, strict=True)
        }
        for row in rows
    ]
    for row in province_rows:
        row["province"] = row["province"] or None
    assert province_rows == stats["by_province"]
    assert total["facilities_participating"] == stats["facilities_participating"]
    assert total["flags_awarded"] == stats["flags_awarded"]
    assert total["kit_requests"] == sum(stats["kit_requests"].values())
    assert total["kits_units_shipped"] == stats["kits_units_shipped"]
    assert total["grassroots_facilities_reached"] == stats["grassroots_facilities_reached"]
    assert total["downloads"] == stats["downloads_total"]
    assert total["activities_reported"] == stats["activities_reported"]
    assert total["audience_total"] == stats["audience_total"]


def test_the_facility_csv_lists_every_facility_involved(client, admin_user, known):
    client.force_login(admin_user)
    response = client.get(reverse("dashboard-export-csv"), {"by": "facility"})
    header, *rows = read_csv(response)
    by_name = {row[1]: row for row in rows}
    # Everyone who applied, requested a kit of the campaign or reported an activity.
    assert set(by_name) == {f"设施 {key}" for key in known.facilities}
    index = {
        key: position
        for position, key in enumerate(
            [
                "id",
                "name",
                "kind",
                "level",
                "province",
                "province_name",
                "region",
                "region_name",
                "participation",
                "flag",
                "requests",
                "shipped",
                "received",
                "grassroots",
                "activities",
                "audience",
            ]
        )
    }
    assert len(header) == len(index)
    a3 = by_name["设施 A3"]
    assert a3[index["province"]] == HEILONGJIANG
    assert a3[index["requests"]] == "2"
    assert a3[index["received"]] == "3"
    assert a3[index["grassroots"]] == gettext("yes")
    assert a3[index["audience"]] == "150"
    assert by_name["设施 A2"][index["grassroots"]] == gettext("no")  # a prefecture unit
    assert by_name["设施 C2"][index["grassroots"]] == gettext("yes")  # reached without taking part
    assert by_name["设施 A1"][index["flag"]] == "2022-08-26 15:00"
    assert sum(int(row[index["audience"]]) for row in rows) == 2450


def test_a_coordinator_exports_only_their_province(client, coordinator, known):
    client.force_login(coordinator)
    _header, *rows = read_csv(client.get(reverse("dashboard-export-csv"), {"by": "facility"}))
    assert {row[4] for row in rows} == {HEILONGJIANG}
    _header, *rows = read_csv(client.get(reverse("dashboard-export-csv")))
    assert [row[0] for row in rows] == [HEILONGJIANG, ""]


def test_the_xlsx_holds_the_same_figures(client, admin_user, known):
    client.force_login(admin_user)
    stats = client.get(STATS_URL.format(known.campaign.slug)).json()
    response = client.get(reverse("dashboard-export-xlsx"), {"province": HEILONGJIANG})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"{HEILONGJIANG}.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(workbook.sheetnames) == 6
    summary, provinces, facilities, days, resources, kinds = (
        list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets
    )
    assert summary[2][1] == 1  # grassroots facilities reached in Heilongjiang
    assert provinces[1][:3] == (HEILONGJIANG, "黑龙江省", 3)
    assert len(facilities) == 1 + 4  # header and A1..A4
    assert [row[1] for row in days[1:]] == [10, 7, 2]
    assert resources[1][2] == 10 + 7  # R1 in Heilongjiang
    assert sum(row[1] for row in kinds[1:]) == 3
    assert stats["grassroots_facilities_reached"] == 2  # the whole campaign, for contrast


def test_a_bad_export_filter_is_a_400(client, admin_user, known):
    client.force_login(admin_user)
    url = reverse("dashboard-export-csv")
    assert client.get(url, {"date_from": "not a date"}).status_code == 400
    assert client.get(url, {"by": "county"}).status_code == 400


# ---------------------------------------------------------------------------
# Chart geometry (pure functions)
# ---------------------------------------------------------------------------


def test_nice_ceiling_rounds_up_to_1_2_5():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 12, 150, 999)] == [1, 1, 5, 10, 20, 200, 1000]


def test_bars_are_proportional_and_keep_their_numbers():
    chart = bar_chart(
        chart_id="c",
        title="t",
        description="d",
        label_header="p",
        series=[("a", "series-a")],
        rows=[("one", [10]), ("two", [5]), ("none", [0])],
    )
    widths = [row["bars"][0]["width"] for row in chart["rows"]]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[2] == 0
    assert chart["table"]["rows"] == [["one", 10], ["two", 5], ["none", 0]]


def test_the_day_line_fills_missing_days_with_zero():
    import datetime

    days = fill_days([(datetime.date(2022, 9, 1), 3), (datetime.date(2022, 9, 4), 1)])
    assert [count for _day, count in days] == [3, 0, 0, 1]
    chart = line_chart(
        chart_id="l",
        title="t",
        description="d",
        label_header="day",
        value_header="n",
        points=[("2022-09-01", 4), ("2022-09-03", 2)],
    )
    assert len(chart["polyline"].split()) == 3
    assert chart["markers"][0]["y"] < chart["markers"][2]["y"] < chart["baseline"]
