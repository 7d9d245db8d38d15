"""The coverage pages: China → province → prefecture, the county table, exports, headlines."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.maps import bucket, county_centres, load_map
from config.spreadsheets import neutralise as spreadsheet_cell
from tests.campaigns.coverage_support import Data

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    return Data()


def get(client, url, **params):
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
    return response, response.content.decode()


def map_url(data, code=None):
    if code:
        return reverse("campaign-coverage-region", args=[data.campaign.slug, code])
    return reverse("campaign-coverage-map", args=[data.campaign.slug])


def test_the_china_map_shades_each_province_and_links_to_it(data, client):
    response, page = get(client, map_url(data))
    assert response.status_code == 200
    shapes = dict(
        response.context["shapes"] and [(s.code, row) for s, row in response.context["shapes"]]
    )
    assert len(shapes) == 34  # every province is drawn, with or without data
    assert shapes["230000"]["bucket"] == "mid"  # 2 of 4
    assert shapes["110000"]["bucket"] == "mid"  # 1 of 2
    assert shapes["440000"] is None  # not in this test's tree: drawn grey, no link
    assert f'href="{map_url(data, "230000")}"' in page
    assert "Reached 3 of 6 counties" in page
    # The same figures in the table beside the map, in words and numbers.
    assert "2 / 4" in page and "1 / 2" in page
    assert "more than three quarters" in page  # the legend


def test_a_province_shows_its_prefectures(data, client):
    response, page = get(client, map_url(data, "230000"))
    shapes = {shape.code: row for shape, row in response.context["shapes"]}
    assert shapes["231100"]["counties_reached"] == 2
    assert shapes["230100"]["bucket"] == "none"
    assert f'href="{map_url(data, "231100")}"' in page
    assert "Reached 2 of 4 counties" in page


def test_a_municipality_map_shows_districts_linking_to_their_table(data, client):
    response, page = get(client, map_url(data, "110000"))
    shapes = {shape.code: row for shape, row in response.context["shapes"]}
    assert shapes["110101"]["bucket"] == "top"
    assert shapes["110102"]["bucket"] == "none"
    assert f"{map_url(data, '110100')}#county-110101" in page


def test_a_prefecture_lists_its_counties_sortable(data, client):
    response, page = get(client, map_url(data, "231100"))
    codes = [row["code"] for row in response.context["counties"]]
    assert codes == ["231102", "231123", "231124"]
    assert 'data-county="231124" data-reached="no"' in page
    assert "Border area" in page
    response, _page = get(client, map_url(data, "231100"), sort="last_reached_on", order="desc")
    assert [row["code"] for row in response.context["counties"]] == ["231102", "231123", "231124"]
    response, _page = get(client, map_url(data, "231100"), sort="last_reached_on")
    assert [row["code"] for row in response.context["counties"]][0] == "231124"
    response, _page = get(client, map_url(data, "231100"), sort="downloads", order="desc")
    assert response.context["counties"][0]["code"] == "231124"


def test_the_tag_filter_carries_through_the_pages(data, client):
    response, page = get(client, map_url(data), tag="border")
    assert "Reached 2 of 2 counties" in page
    assert f"{map_url(data, '230000')}?tag=border" in page
    response, _page = get(client, map_url(data, "231100"), tag="border")
    assert [row["code"] for row in response.context["counties"]] == ["231102", "231123"]
    assert client.get(map_url(data), {"tag": "nope"}).status_code == 400


def test_counties_and_unknown_codes_are_not_pages(data, client):
    assert client.get(map_url(data, "231102")).status_code == 404
    assert client.get(map_url(data, "999999")).status_code == 404


def test_the_campaign_and_home_pages_lead_with_counties_reached(data, client):
    _response, page = get(client, reverse("campaign-detail", args=[data.campaign.slug]))
    assert "Reached 3 of 6 counties" in page
    assert map_url(data) in page
    _response, page = get(client, reverse("home"))
    assert "Reached 3 of 6 counties" in page


def test_every_county_exports_as_csv_and_xlsx(data, client):
    data.sunwu.name = '=HYPERLINK("http://example.org")'
    data.sunwu.save()
    response = client.get(
        reverse("campaign-coverage-csv", args=[data.campaign.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    header = rows[0]
    by_code = {
        row[header.index("County code")]: dict(zip(header, row, strict=True)) for row in rows[1:]
    }
    assert by_code["231102"]["Reached"] == "yes"
    assert by_code["231102"]["Last reached"] == "2022-09-09"
    assert by_code["231102"]["Priority tags"] == "border"
    assert by_code["231124"]["Reached"] == "no"
    assert by_code["231124"]["Downloads"] == "3"
    assert by_code["231124"]["County"].startswith("'=")  # never a formula
    assert by_code["110101"]["Prefecture"] == "北京市·市辖区"

    response = client.get(
        reverse("campaign-coverage-xlsx", args=[data.campaign.slug]), {"tag": "border"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) == 1 + 2
    assert response["Content-Disposition"].endswith('-counties-border.xlsx"')


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86", "'+86"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("爱辉区", "爱辉区"),
        (3, 3),
    ],
)
def test_spreadsheet_cells_never_start_a_formula(value, expected):
    assert spreadsheet_cell(value) == expected


def test_the_map_files_cover_every_province_and_are_small():
    china = load_map("china")
    assert len(china.shapes) == 34
    heilongjiang = load_map("230000")
    assert {shape.code for shape in heilongjiang.shapes} >= {"231100", "232700", "230100"}
    assert load_map("../etc") is None and load_map("990000") is None
    assert sum(len(shape.path) for shape in china.shapes) < 80_000
    centres = county_centres()
    assert len(centres) > 2_700
    longitude, latitude = centres["231102"]  # 爱辉区, on the Amur
    assert 127 < longitude < 128 and 50 < latitude < 51


def test_buckets_of_shares():
    assert bucket(None) == "nodata"
    assert bucket({"counties": 0, "counties_reached": 0}) == "nodata"
    assert bucket({"counties": 4, "counties_reached": 0}) == "none"
    assert bucket({"counties": 4, "counties_reached": 1}) == "low"
    assert bucket({"counties": 4, "counties_reached": 2}) == "mid"
    assert bucket({"counties": 4, "counties_reached": 3}) == "high"
    assert bucket({"counties": 4, "counties_reached": 4}) == "top"
