"""The fast JSON renderer writes exactly what DRF's JSONRenderer writes."""

import datetime
import decimal
import uuid

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from config.renderers import FastJSONRenderer

pytestmark = pytest.mark.django_db

VALUES = {
    "text": '科普大篷车 \u2028 line\u2029end "quoted" \\ tab\t',
    "lazy": gettext_lazy("Province"),
    "numbers": [0, -1, 2**62, 1.5, decimal.Decimal("3.10")],
    "none": None,
    "flags": [True, False],
    "when": "2026-12-01T20:00:00+08:00",
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "nested": {"empty": [], "more": [{"a": 1}]},
}


def test_the_same_bytes_as_drfs_renderer():
    assert FastJSONRenderer().render(VALUES) == JSONRenderer().render(VALUES)


def test_values_orjson_cannot_write_fall_back_to_drf():
    data = {"huge": 2**70, "date": datetime.date(2026, 12, 1)}
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_an_indented_answer_is_drfs():
    media = "application/json; indent=2"
    assert FastJSONRenderer().render(VALUES, media) == JSONRenderer().render(VALUES, media)


def test_the_catalogue_page_is_what_drf_would_have_written(api_client):
    from resources.models import DigitalResource

    DigitalResource.objects.create(
        title="“健康生活”\u2028海报",
        format="pdf",
        access="public",
        status="published",
        file="resources/files/x/a.pdf",
        published_at=timezone.now(),
    )
    response = api_client.get("/api/v1/digital-resources/")
    assert response.status_code == 200
    assert response.content == JSONRenderer().render(response.data)
