"""No export carries a live formula: every CSV and XLSX neutralises text that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return, and XLSX text cells are strings."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from config.spreadsheets import neutralise, xlsx_bytes
from facilities.models import FacilityStatus
from resources.models import Distribution, DistributionSkip, SkipReason
from tests import factories
from tests.facilities.world import build_world

EVIL = '=HYPERLINK("http://evil.example","x")'
SAFE = "'" + EVIL


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EVIL, SAFE),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("黑河市流动科技馆", "黑河市流动科技馆"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise_prefixes_only_text_a_spreadsheet_reads_as_a_formula(value, expected):
    assert neutralise(value) == expected


def test_xlsx_text_cells_are_strings_even_when_they_look_like_formulas():
    content = xlsx_bytes([("Sheet", [["name", "count"], [EVIL, 3]])])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    name, count = sheet["A2"], sheet["B2"]
    assert (name.data_type, name.value) == ("s", SAFE)
    assert (count.data_type, count.value) == ("n", 3)


@pytest.fixture
def world(db):
    world = build_world(status_a=FacilityStatus.APPROVED)
    world.facility_a.name = EVIL
    world.facility_a.save()
    world.campaign = factories.CampaignFactory(slug="health", title="@campaign")
    factories.ParticipationFactory(campaign=world.campaign, facility=world.facility_a)
    return world


def csv_rows(response):
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_cells(response):
    assert response.status_code == 200, response.content[:500]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_neutralised_csv(response):
    cells = [cell for row in csv_rows(response) for cell in row]
    assert SAFE in cells
    assert EVIL not in cells


def assert_neutralised_xlsx(response, value=SAFE):
    cells = xlsx_cells(response)
    evil = [cell for cell in cells if isinstance(cell.value, str) and EVIL in cell.value]
    assert evil, "the facility is missing from the export"
    assert all(cell.data_type == "s" and cell.value == SAFE for cell in evil)
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_the_facility_review_exports_are_neutralised(world, client):
    client.force_login(world.admin)
    url = reverse("facility-export", args=["csv"]) + "?status="
    assert_neutralised_csv(client.get(url))
    assert_neutralised_xlsx(client.get(reverse("facility-export", args=["xlsx"]) + "?status="))


def test_the_participants_exports_are_neutralised(world, client):
    client.force_login(world.admin)
    url = reverse("campaign-participants-export", args=[world.campaign.slug, "csv"])
    assert_neutralised_csv(client.get(url))
    url = reverse("campaign-participants-export", args=[world.campaign.slug, "xlsx"])
    assert_neutralised_xlsx(client.get(url))


def test_the_dashboard_exports_are_neutralised(world, client):
    client.force_login(world.admin)
    query = {"campaign": world.campaign.slug, "by": "facility"}
    assert_neutralised_csv(client.get(reverse("dashboard-export-csv"), query))
    response = client.get(reverse("dashboard-export-xlsx"), {"campaign": world.campaign.slug})
    assert_neutralised_xlsx(response)
    summary = [cell.value for cell in xlsx_cells(response) if cell.value == "'@campaign"]
    assert summary


def test_the_skipped_facilities_csv_is_neutralised(world, client):
    distribution = Distribution.objects.create(
        kit=factories.KitFactory(), quantity_per_facility=1, created_by=world.admin
    )
    DistributionSkip.objects.create(
        distribution=distribution, facility_label=EVIL, reason=SkipReason.UNKNOWN_FACILITY
    )
    client.force_login(world.admin)
    response = client.get(reverse("distributions:skipped-csv", args=[distribution.pk]))
    assert_neutralised_csv(response)


@pytest.mark.parametrize(("file_format", "index"), [("csv", "0"), ("xlsx", "1")])
def test_the_admin_exports_are_neutralised(world, client, file_format, index):
    client.force_login(world.admin)
    facilities = client.post(
        reverse("admin:facilities_facility_export"),
        {
            "format": index,
            "resource": "0",
            **{f"facilityexportresource_{f}": "on" for f in ["id", "name", "province"]},
        },
    )
    participations = client.post(
        reverse("admin:campaigns_participation_export"),
        {
            "format": index,
            "resource": "0",
            **{
                f"participationexportresource_{f}": "on"
                for f in ["id", "campaign_title", "facility_name"]
            },
        },
    )
    for response in (facilities, participations):
        if file_format == "csv":
            assert_neutralised_csv(response)
        else:
            assert_neutralised_xlsx(response)
