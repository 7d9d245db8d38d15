"""POST/GET /api/v1/distributions/ (API.md): administrators only, 202 at once, clear errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from resources.models import Distribution, DistributionStatus, KitRequest
from tests import factories

from .distribution_support import make_facilities

pytestmark = pytest.mark.django_db

URL = "/api/v1/distributions/"
CONTRACT_FIELDS = {"id", "status", "total", "processed", "allocated", "skipped", "error"}


@pytest.fixture
def province():
    return factories.region_tree()[0]


@pytest.fixture
def admin_client(api_client):
    api_client.force_authenticate(factories.AdminFactory(username="api-admin"))
    return api_client


def test_an_administrator_starts_a_distribution_and_gets_202_with_its_progress(
    admin_client, province, django_capture_on_commit_callbacks
):
    make_facilities(12)
    kit = factories.KitFactory(quantity_total=30)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = admin_client.post(
            URL,
            {"kit": kit.pk, "quantity_per_facility": 2, "province": province.code},
            format="json",
        )

    assert response.status_code == 202
    body = response.json()
    assert CONTRACT_FIELDS <= set(body)
    assert body["status"] == DistributionStatus.QUEUED
    assert response["Location"].endswith(f"{URL}{body['id']}/")
    assert len(queued) == 1  # the task goes to the worker after the commit

    for callback in queued:
        callback()
    detail = admin_client.get(f"{URL}{body['id']}/").json()
    assert {k: detail[k] for k in ("status", "total", "processed", "allocated", "skipped")} == {
        "status": "done",
        "total": 12,
        "processed": 12,
        "allocated": 12,
        "skipped": 0,
    }
    assert detail["error"] == ""
    assert detail["skipped_report_url"].endswith(f"/distributions/{body['id']}/skipped.csv")


def test_an_uploaded_list_is_accepted_as_multipart(
    admin_client, province, django_capture_on_commit_callbacks
):
    facilities = make_facilities(3)
    kit = factories.KitFactory(quantity_total=30)
    upload = SimpleUploadedFile(
        "targets.csv", f"id\n{facilities[0].pk}\n{facilities[1].name}\n无名\n".encode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            URL, {"kit": kit.pk, "quantity_per_facility": 1, "file": upload}, format="multipart"
        )

    assert response.status_code == 202
    distribution = Distribution.objects.get()
    assert (distribution.allocated, distribution.skipped, distribution.total) == (2, 1, 3)


def test_not_enough_stock_is_a_409_and_nothing_is_saved(admin_client, province):
    make_facilities(5)
    kit = factories.KitFactory(quantity_total=4)

    response = admin_client.post(
        URL, {"kit": kit.pk, "quantity_per_facility": 1, "province": province.code}, format="json"
    )

    assert response.status_code == 409
    assert "5" in response.json()["detail"] and "4" in response.json()["detail"]
    assert not Distribution.objects.exists() and not KitRequest.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"quantity_per_facility": 1, "province": "230000"}, "kit"),
        ({"kit": "KIT", "quantity_per_facility": 0, "province": "230000"}, "quantity_per_facility"),
        ({"kit": "KIT", "quantity_per_facility": 1, "province": "999999"}, "province"),
        ({"kit": "KIT", "quantity_per_facility": 1, "kind": "rocket"}, "kind"),
        ({"kit": "KIT", "quantity_per_facility": 1}, "detail"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_client, province, payload, field):
    kit = factories.KitFactory()
    payload = {k: kit.pk if v == "KIT" else v for k, v in payload.items()}
    response = admin_client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Distribution.objects.exists()


def test_a_bad_list_file_is_a_400(admin_client):
    kit = factories.KitFactory()
    upload = SimpleUploadedFile("targets.pdf", b"%PDF-1.4")
    response = admin_client.post(
        URL, {"kit": kit.pk, "quantity_per_facility": 1, "file": upload}, format="multipart"
    )
    assert response.status_code == 400


def test_only_administrators(api_client, province):
    kit = factories.KitFactory()
    payload = {"kit": kit.pk, "quantity_per_facility": 1, "province": province.code}
    assert api_client.post(URL, payload, format="json").status_code == 401
    coordinator = factories.CoordinatorFactory(province=province).user
    api_client.force_authenticate(coordinator)
    assert api_client.post(URL, payload, format="json").status_code == 403
    distribution = Distribution.objects.create(kit=kit, quantity_per_facility=1)
    assert api_client.get(f"{URL}{distribution.pk}/").status_code == 403
    assert api_client.get(URL).status_code == 403


def test_the_list_costs_the_same_queries_whatever_its_size(
    admin_client, django_assert_max_num_queries
):
    kit = factories.KitFactory()
    campaign = factories.CampaignFactory()
    province = factories.region_tree()[0]

    def add(count):
        for _ in range(count):
            Distribution.objects.create(
                kit=kit, quantity_per_facility=1, campaign=campaign, province=province
            )

    add(2)
    with django_assert_max_num_queries(4):
        assert admin_client.get(URL).json()["count"] == 2
    add(20)
    with django_assert_max_num_queries(4):
        assert len(admin_client.get(URL).json()["results"]) == 22
