"""Admin changelists run the same number of queries for 5 rows as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from facilities.models import Facility
from resources.models import DownloadChannel, DownloadEvent, KitRequest
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_facilities(count):
    factories.FacilityFactory.create_batch(count)


def make_kit_requests(count):
    factories.KitRequestFactory.create_batch(count)


def make_download_events(count):
    resource = factories.DigitalResourceFactory()
    facility = factories.FacilityFactory()
    now = timezone.now()
    DownloadEvent.objects.bulk_create(
        DownloadEvent(
            resource=resource if n % 2 else factories.DigitalResourceFactory(),
            facility=facility,
            region=facility.region,
            province_code=facility.province_id,
            channel=DownloadChannel.WEB,
            created_at=now,
        )
        for n in range(count)
    )


def changelist_queries(client, url, rows):
    """Queries of one changelist page showing `rows` rows (all of them: a page holds 100)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    return len(queries)


@pytest.mark.parametrize(
    ("url_name", "model", "make_rows"),
    [
        ("admin:facilities_facility_changelist", Facility, make_facilities),
        ("admin:resources_kitrequest_changelist", KitRequest, make_kit_requests),
        ("admin:resources_downloadevent_changelist", DownloadEvent, make_download_events),
    ],
    ids=["facilities", "kit-requests", "download-events"],
)
def test_changelist_query_count_does_not_grow_with_rows(
    client, admin_user, url_name, model, make_rows, django_assert_max_num_queries
):
    client.force_login(admin_user)
    url = reverse(url_name)
    make_rows(5)
    assert model.objects.count() == 5
    with_5 = changelist_queries(client, url, 5)

    make_rows(45)
    assert model.objects.count() == 50
    with django_assert_max_num_queries(with_5):
        with_50 = changelist_queries(client, url, 50)

    assert with_50 == with_5
