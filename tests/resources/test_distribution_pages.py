"""The administrators' distribution pages and admin screens (tasks run eagerly here)."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from resources.models import Distribution, DistributionStatus, KitRequest, SkipReason
from tests import factories

from .distribution_support import make_facilities

pytestmark = pytest.mark.django_db


@pytest.fixture
def province():
    return factories.region_tree()[0]


@pytest.fixture
def admin_client(client):
    client.force_login(factories.AdminFactory(username="page-admin"))
    return client


def xlsx(*values):
    book = Workbook()
    for value in values:
        book.active.append([value])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("targets.xlsx", buffer.getvalue())


def test_the_form_starts_a_distribution_and_leads_to_its_progress_page(
    admin_client, province, django_capture_on_commit_callbacks
):
    make_facilities(6)
    pending = make_facilities(2, status="pending", prefix="待审")
    kit = factories.KitFactory(quantity_total=20)
    form = admin_client.get(reverse("distributions:start"))
    assert form.status_code == 200
    assert 'for="id_allow_partial"' in form.text and 'enctype="multipart/form-data"' in form.text

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("distributions:start"),
            {"kit": kit.pk, "quantity_per_facility": 2, "province": province.code},
        )

    distribution = Distribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("distributions:detail", args=[distribution.pk])
    page = admin_client.get(response["Location"])
    assert page.status_code == 200
    assert '<progress id="distribution-bar" max="8" value="8">' in page.text
    assert reverse("distributions:skipped-csv", args=[distribution.pk]) in page.text
    assert pending[0].name in page.text
    assert "js/progress.js" in page.text


def test_a_list_can_be_typed_or_uploaded(admin_client, django_capture_on_commit_callbacks):
    facilities = make_facilities(4)
    kit = factories.KitFactory(quantity_total=20)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("distributions:start"),
            {
                "kit": kit.pk,
                "quantity_per_facility": 1,
                "facilities": f"{facilities[0].pk}\n\n{facilities[1].name}\n",
                "file": xlsx("设施名称", facilities[2].pk, "查无此馆"),
            },
        )
    distribution = Distribution.objects.get()
    served = set(
        KitRequest.objects.filter(distribution=distribution).values_list("facility_id", flat=True)
    )
    assert served == {facilities[0].pk, facilities[1].pk, facilities[2].pk}
    assert distribution.skips.get().facility_label == "查无此馆"


def test_a_refusal_shows_on_the_form_and_saves_nothing(admin_client, province):
    make_facilities(6)
    kit = factories.KitFactory(quantity_total=5)
    response = admin_client.post(
        reverse("distributions:start"),
        {"kit": kit.pk, "quantity_per_facility": 1, "province": province.code},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.text and "5" in response.text
    assert not Distribution.objects.exists()

    bad_file = admin_client.post(
        reverse("distributions:start"),
        {
            "kit": kit.pk,
            "quantity_per_facility": 1,
            "file": SimpleUploadedFile("a.doc", b"x"),
        },
    )
    assert bad_file.status_code == 200
    assert bad_file.context["form"].errors["file"]
    assert not Distribution.objects.exists()


def test_progress_json_and_skipped_csv(admin_client, django_capture_on_commit_callbacks):
    pending = make_facilities(3, status="pending", prefix="待审")
    make_facilities(2)
    kit = factories.KitFactory(quantity_total=20)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("distributions:start"),
            {"kit": kit.pk, "quantity_per_facility": 1, "province": "230000"},
        )
    distribution = Distribution.objects.get()

    progress = admin_client.get(reverse("distributions:progress", args=[distribution.pk])).json()
    assert progress == {
        "id": distribution.pk,
        "status": DistributionStatus.DONE,
        "status_label": progress["status_label"],
        "total": 5,
        "processed": 5,
        "allocated": 2,
        "skipped": 3,
        "percent": 100,
        "finished": True,
        "error": "",
    }

    response = admin_client.get(reverse("distributions:skipped-csv", args=[distribution.pk]))
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(int(r[0]), r[1], r[4]) for r in rows[1:]] == [
        (f.pk, f.name, SkipReason.NOT_APPROVED) for f in pending
    ]


@pytest.mark.parametrize(
    "name, args",
    [
        ("distributions:list", []),
        ("distributions:start", []),
        ("distributions:detail", [1]),
        ("distributions:progress", [1]),
        ("distributions:skipped-csv", [1]),
        ("distributions:bundle-create", []),
    ],
)
def test_only_national_administrators_see_these_pages(client, name, args):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(factories.CoordinatorFactory().user)
    assert client.get(url).status_code == 403


def test_the_list_costs_the_same_queries_whatever_its_size(
    admin_client, django_assert_max_num_queries
):
    kit = factories.KitFactory()

    def add(count):
        Distribution.objects.bulk_create(
            Distribution(kit=kit, quantity_per_facility=1) for _ in range(count)
        )

    add(2)
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("distributions:list")).status_code == 200
    add(30)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("distributions:list"))
    assert "page=2" in response.text


def test_the_admin_lists_distributions_with_a_progress_link_and_sends_add_to_the_form(
    admin_client, django_assert_max_num_queries
):
    kit = factories.KitFactory()
    distribution = Distribution.objects.create(kit=kit, quantity_per_facility=1, total=9)
    Distribution.objects.bulk_create(
        Distribution(kit=kit, quantity_per_facility=1) for _ in range(15)
    )
    with django_assert_max_num_queries(15):
        changelist = admin_client.get(reverse("admin:resources_distribution_changelist"))
    assert reverse("distributions:detail", args=[distribution.pk]) in changelist.text
    add = admin_client.get(reverse("admin:resources_distribution_add"))
    assert add["Location"] == reverse("distributions:start")
    view = admin_client.get(reverse("admin:resources_distribution_change", args=[distribution.pk]))
    assert view.status_code == 200
