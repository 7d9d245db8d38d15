"""Spreadsheet import (all rows or none, with a per-row report) and export of facilities."""

import csv
import io

import openpyxl
import pytest
import tablib
from django.urls import reverse

from campaigns.models import ParticipationStatus
from facilities.models import Facility, FacilityStatus, RegionLevel
from facilities.services import import_facilities
from tests import factories

BAD_ROWS = {100: "region", 500: "name", 900: "name"}  # 1-based data rows
HEADERS = ["name", "kind", "region", "address", "contact_name", "contact_phone", "contact_email"]


@pytest.fixture
def regions(db):
    province, prefecture, county = factories.region_tree("230000", "黑龙江省")
    factories.region_tree("110000", "北京市")
    # A name used twice in the country: found by path or code only.
    factories.RegionFactory(
        code="231103", name="朝阳区", level=RegionLevel.COUNTY, parent=prefecture
    )
    factories.RegionFactory(
        code="111103",
        name="朝阳区",
        level=RegionLevel.COUNTY,
        parent=factories.RegionFactory(code="111100"),
    )
    return province, prefecture, county


def thousand_rows():
    """1,000 rows giving the region by code, name or path and the kind by code or label; three
    are bad: an unknown region (row 100), a missing name (row 500), a duplicate (row 900)."""
    region_forms = [
        "231102",
        "黑龙江省某县",
        "黑龙江省/黑龙江省某市/黑龙江省某县",
        "230000",
        "111102",
    ]
    kinds = ["mobile_museum", "caravan", "Popular-science caravan", "science_center", ""]
    rows = []
    for n in range(1, 1001):
        rows.append(
            [
                f"流动科普设施 {n:04d}",
                kinds[n % len(kinds)],
                region_forms[n % len(region_forms)],
                f"某路 {n} 号",
                "张三",
                f"1380000{n:04d}",
                f"unit{n}@example.org",
            ]
        )
    rows[100 - 1][2] = "999999"
    rows[500 - 1][0] = "  "
    rows[900 - 1][0], rows[900 - 1][2] = rows[10 - 1][0], rows[10 - 1][2]
    return rows


def as_file(rows, file_format):
    dataset = tablib.Dataset(*rows, headers=HEADERS)
    if file_format == "csv":
        return dataset.export("csv").encode("utf-8-sig")
    return dataset.export("xlsx")


def load(content, file_format):
    if file_format == "csv":
        return tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    return tablib.Dataset().load(content, format="xlsx")


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_thousand_rows_with_three_bad_ones_report_exactly_those_and_import_nothing(
    regions, admin_user, file_format
):
    before = Facility.objects.count()
    dataset = load(as_file(thousand_rows(), file_format), file_format)
    assert len(dataset) == 1000

    result = import_facilities(dataset=dataset, by=admin_user, dry_run=True)

    assert not result.has_errors()
    assert result.has_validation_errors()
    reported = {row.number: set(row.field_specific_errors) for row in result.invalid_rows}
    assert reported == {number: {field} for number, field in BAD_ROWS.items()}
    messages = {row.number: row.error_dict for row in result.invalid_rows}
    assert "999999" in str(messages[100]["region"])
    assert Facility.objects.count() == before

    # The real import of the same file is refused as a whole, too.
    result = import_facilities(dataset=dataset, by=admin_user, dry_run=False)
    assert len(result.invalid_rows) == 3
    assert Facility.objects.count() == before


@pytest.mark.django_db
def test_a_clean_file_imports_every_row_with_province_level_and_decision(regions, admin_user):
    rows = [row for n, row in enumerate(thousand_rows(), 1) if n not in BAD_ROWS][:50]
    dataset = load(as_file(rows, "csv"), "csv")

    preview = import_facilities(dataset=dataset, by=admin_user, dry_run=True)
    assert not preview.has_validation_errors() and preview.totals["new"] == 50
    assert Facility.objects.count() == 0

    result = import_facilities(dataset=dataset, by=admin_user, dry_run=False)
    assert not result.has_validation_errors() and not result.has_errors()
    assert Facility.objects.count() == 50
    by_name = {f.name: f for f in Facility.objects.select_related("region")}
    first = by_name["流动科普设施 0001"]  # region "黑龙江省某县" by name, kind "caravan"
    assert (first.region_id, first.province_id, first.level) == ("231102", "230000", "county")
    assert first.kind == "caravan" and first.status == FacilityStatus.APPROVED
    assert first.decided_by == admin_user and first.decided_at is not None
    second = by_name["流动科普设施 0002"]  # region by path, kind by its English label
    assert (second.region_id, second.kind) == ("231102", "caravan")
    third = by_name["流动科普设施 0003"]  # region "230000": a provincial unit
    assert (third.level, third.kind) == ("provincial", "science_center")
    assert by_name["流动科普设施 0004"].kind == "other"  # empty kind
    assert by_name["流动科普设施 0004"].province_id == "110000"

    # Importing the same file again only reports duplicates.
    again = import_facilities(dataset=dataset, by=admin_user, dry_run=False)
    assert len(again.invalid_rows) == 50
    assert Facility.objects.count() == 50


@pytest.mark.django_db
def test_ambiguous_region_names_need_a_path_or_code(regions, admin_user):
    dataset = tablib.Dataset(
        ["甲馆", "caravan", "朝阳区"],
        ["乙馆", "caravan", "黑龙江省/黑龙江省某市/朝阳区"],
        ["丙馆", "spaceship", "231103"],
        headers=["name", "kind", "region"],
    )
    result = import_facilities(dataset=dataset, by=admin_user, dry_run=True)
    reported = {row.number: set(row.field_specific_errors) for row in result.invalid_rows}
    assert reported == {1: {"region"}, 3: {"kind"}}


@pytest.mark.django_db
def test_only_national_administrators_import(world):
    dataset = tablib.Dataset(["甲馆", "caravan", "231102"], headers=["name", "kind", "region"])
    from config.errors import NotAllowed

    with pytest.raises(NotAllowed):
        import_facilities(dataset=dataset, by=world.coordinator_a, dry_run=True)


@pytest.mark.django_db
def test_admin_import_previews_errors_per_row_and_offers_no_confirmation(
    regions, admin_user, client
):
    client.force_login(admin_user)
    url = reverse("admin:facilities_facility_import")
    assert client.get(url).status_code == 200
    rows = thousand_rows()[:120]  # row 100 has an unknown region
    upload = io.BytesIO(as_file(rows, "xlsx"))
    upload.name = "facilities.xlsx"
    response = client.post(url, {"format": "1", "import_file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "999999" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert Facility.objects.count() == 0


@pytest.mark.django_db
def test_admin_import_confirms_a_clean_file(regions, admin_user, client):
    client.force_login(admin_user)
    upload = io.BytesIO(as_file(thousand_rows()[:20], "csv"))
    upload.name = "facilities.csv"
    response = client.post(
        reverse("admin:facilities_facility_import"), {"format": "0", "import_file": upload}
    )
    confirm = response.context["confirm_form"]
    assert confirm is not None
    assert Facility.objects.count() == 0
    response = client.post(
        reverse("admin:facilities_facility_process_import"),
        {name: confirm.initial[name] for name in confirm.initial},
    )
    assert response.status_code == 302
    assert Facility.objects.count() == 20


@pytest.mark.django_db
def test_coordinator_exports_their_province_as_csv_and_xlsx(world, client):
    world.facility_a.status = FacilityStatus.APPROVED
    world.facility_a.save()
    client.force_login(world.coordinator_a)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    response = client.get(reverse("facility-export", args=["csv"]) + "?status=", **english)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["Name"] for row in rows] == [world.facility_a.name]
    assert rows[0]["Province"] == "黑龙江省" and rows[0]["Region code"] == world.county_a.code

    response = client.get(reverse("facility-export", args=["xlsx"]) + "?status=approved", **english)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:2] == ("ID", "Name")
    assert [row[1] for row in values[1:]] == [world.facility_a.name]

    client.force_login(world.staff_a)
    assert client.get(reverse("facility-export", args=["csv"])).status_code == 403


@pytest.mark.django_db
def test_participations_export(world, client, admin_user):
    campaign = factories.CampaignFactory(slug="health")
    factories.ParticipationFactory(campaign=campaign, facility=world.facility_b)
    factories.ParticipationFactory(
        campaign=campaign, facility=world.facility_a, status=ParticipationStatus.APPLIED
    )
    client.force_login(admin_user)
    url = reverse("campaign-participants-export", args=[campaign.slug, "xlsx"])
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    rows = list(sheet.values)
    header = rows[0]
    names = sorted(row[header.index("facility_name")] for row in rows[1:])
    assert names == sorted([world.facility_a.name, world.facility_b.name])

    url = reverse("campaign-participants-export", args=[campaign.slug, "csv"]) + "?status=approved"
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert [(row["facility_name"], row["province"]) for row in rows] == [
        (world.facility_b.name, "110000")
    ]

    # The coordinator of the other province sees B's approved participation, not A's application.
    client.force_login(world.coordinator_other)
    url = reverse("campaign-participants-export", args=[campaign.slug, "csv"])
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert [row["facility_name"] for row in rows] == [world.facility_b.name]


@pytest.mark.django_db
def test_admin_export_of_facilities(world, admin_user, client):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:facilities_facility_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"facilityexportresource_{f}": "on" for f in ["id", "name", "province"]},
        },
    )
    assert response.status_code == 200
    assert world.facility_a.name in response.content.decode("utf-8-sig")


@pytest.mark.django_db
def test_review_export_headers_speak_the_language_of_the_page(world, client):
    from django.utils import translation

    client.force_login(world.coordinator_a)
    url = reverse("facility-export", args=["csv"]) + "?status="
    chinese = client.get(url).content.decode("utf-8-sig").splitlines()[0].split(",")
    english = (
        client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig").splitlines()[0]
    ).split(",")
    assert english[:3] == ["ID", "Name", "Kind (code)"]
    assert len(chinese) == len(english)
    with translation.override("zh-hans"):
        name = str(Facility._meta.get_field("name").verbose_name)
    assert chinese[1] == name != "name"
    assert not {"name", "kind_label", "province_name", "created_at"} & set(chinese)
