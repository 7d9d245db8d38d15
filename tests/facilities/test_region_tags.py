"""Priority tags on regions: the four of the programme, the API filter, the spreadsheet import."""

import importlib
import io

import pytest
import tablib
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import translation

from config.errors import NotAllowed
from facilities.models import RegionLevel, RegionTag, RegionTagAssignment
from facilities.services import import_region_tags
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def programme_tags():
    importlib.import_module("facilities.migrations.0005_priority_tags").create_tags(
        django_apps, None
    )


@pytest.fixture
def regions():
    province, prefecture, county = factories.region_tree("230000", "黑龙江省")
    other = factories.RegionFactory(
        code="231123", name="逊克县", level=RegionLevel.COUNTY, parent=prefecture
    )
    return province, prefecture, county, other


def dataset(rows):
    return tablib.Dataset(*rows, headers=["region", "tag"])


def test_the_data_migration_creates_the_four_programme_tags_once():
    # Run again here: a live-server test elsewhere may have flushed the migration's rows.
    migration = importlib.import_module("facilities.migrations.0005_priority_tags")
    migration.create_tags(django_apps, None)
    migration.create_tags(django_apps, None)
    assert set(RegionTag.objects.values_list("code", flat=True)) == {
        "old_revolutionary_base",
        "ethnic_minority",
        "border",
        "rural_revitalization_priority",
    }
    border = RegionTag.objects.get(code="border")
    with translation.override("en"):
        assert border.label == "Border area"
    with translation.override("zh-hans"):
        assert border.label == "边境地区"


def test_regions_carry_their_tags_and_filter_by_tag(regions, api_client):
    province, prefecture, county, other = regions
    border = RegionTag.objects.get(code="border")
    ethnic = RegionTag.objects.get(code="ethnic_minority")
    RegionTagAssignment.objects.create(region=county, tag=border)
    RegionTagAssignment.objects.create(region=county, tag=ethnic)
    RegionTagAssignment.objects.create(region=other, tag=border)

    body = api_client.get("/api/v1/regions/", {"tag": "border"}).json()
    assert [row["code"] for row in body["results"]] == [county.code, other.code]
    assert body["results"][0]["tags"] == ["border", "ethnic_minority"]
    body = api_client.get("/api/v1/regions/", {"tag": "ethnic_minority", "level": "county"}).json()
    assert [row["code"] for row in body["results"]] == [county.code]
    assert api_client.get(f"/api/v1/regions/{province.code}/").json()["tags"] == []
    response = api_client.get("/api/v1/regions/", {"tag": "no_such_tag"})
    assert response.status_code == 400
    assert "tag" in response.json()


def test_the_region_list_takes_the_same_queries_for_few_and_many_tags(
    regions, api_client, django_assert_num_queries
):
    border = RegionTag.objects.get(code="border")
    # count, page, tags of the page
    with django_assert_num_queries(3):
        api_client.get("/api/v1/regions/").json()
    for region in regions:
        RegionTagAssignment.objects.create(region=region, tag=border)
    with django_assert_num_queries(3):
        api_client.get("/api/v1/regions/").json()


def test_a_dry_run_lists_the_bad_rows_and_writes_nothing(regions, admin_user):
    _province, _prefecture, county, other = regions
    rows = [
        (county.code, "border"),
        ("999999", "border"),  # row 2: unknown region
        (other.code, "no_such_tag"),  # row 3: unknown tag
        (other.code, "ethnic_minority"),
    ]
    with translation.override("en"):
        result = import_region_tags(dataset=dataset(rows), by=admin_user, dry_run=True)
        assert result.has_validation_errors()
        invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "999999" in str(invalid[2]["region"])
    assert "no_such_tag" in str(invalid[3]["tag"])
    assert not RegionTagAssignment.objects.exists()
    # The real import of the same file writes nothing either.
    result = import_region_tags(dataset=dataset(rows), by=admin_user, dry_run=False)
    assert result.has_validation_errors()
    assert not RegionTagAssignment.objects.exists()


def test_a_clean_file_tags_regions_and_skips_what_is_there(regions, admin_user):
    _province, prefecture, county, other = regions
    rows = [(county.code, "border"), (other.code, "BORDER"), (prefecture.code, "ethnic_minority")]
    preview = import_region_tags(dataset=dataset(rows), by=admin_user, dry_run=True)
    assert not preview.has_validation_errors() and not preview.has_errors()
    assert not RegionTagAssignment.objects.exists()
    import_region_tags(dataset=dataset(rows), by=admin_user, dry_run=False)
    assert set(RegionTagAssignment.objects.values_list("region_id", "tag__code")) == {
        (county.code, "border"),
        (other.code, "border"),
        (prefecture.code, "ethnic_minority"),
    }
    again = import_region_tags(dataset=dataset(rows + rows), by=admin_user, dry_run=False)
    assert not again.has_errors() and not again.has_validation_errors()
    assert again.totals["skip"] == 6
    assert RegionTagAssignment.objects.count() == 3


def test_only_national_administrators_import_tags(regions):
    coordinator = factories.CoordinatorFactory().user
    with pytest.raises(NotAllowed):
        import_region_tags(dataset=dataset([]), by=coordinator, dry_run=True)


def test_admin_import_previews_bad_rows_and_confirms_a_clean_file(regions, admin_user, client):
    _province, _prefecture, county, other = regions
    client.force_login(admin_user)
    url = reverse("admin:facilities_regiontagassignment_import")
    assert client.get(url).status_code == 200

    def upload(rows):
        content = dataset(rows).export("csv").encode()
        file = io.BytesIO(content)
        file.name = "tags.csv"
        return client.post(url, {"format": "0", "import_file": file})

    response = upload([(county.code, "border"), ("999999", "border")])
    assert response.status_code == 200
    assert "999999" in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert not RegionTagAssignment.objects.exists()

    response = upload([(county.code, "border"), (other.code, "border")])
    confirm = response.context["confirm_form"]
    response = client.post(
        reverse("admin:facilities_regiontagassignment_process_import"),
        {name: confirm.initial[name] for name in confirm.initial},
    )
    assert response.status_code == 302
    assert RegionTagAssignment.objects.count() == 2
    changelist = client.get(reverse("admin:facilities_regiontagassignment_changelist"))
    assert changelist.status_code == 200
