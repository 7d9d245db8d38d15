"""A photo of what arrived, taken with the receipt: checked and re-encoded without metadata,
shown on the request and the discrepancy; a bad photo refuses the receipt and writes
nothing, and a refused receipt leaves no file behind."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from resources.models import Discrepancy, KitRequest, KitRequestStatus
from resources.services import kits as services
from tests import factories
from tests.events.images import jpeg_with_gps
from tests.resources.allotment_support import build_allotment_world

S = KitRequestStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_allotment_world(total=20, allot_a=10, allot_b=5)


def shipped(world, quantity=4):
    request = factories.KitRequestFactory(
        kit=world.kit, facility=world.facility_a, quantity=quantity
    )
    services.approve_request(kit_request=request, by=world.admin)
    services.ship_request(kit_request=request, by=world.admin, carrier="顺丰", tracking_number="1")
    return KitRequest.objects.get(pk=request.pk)


def photo(content=None, name="box.jpg"):
    return SimpleUploadedFile(name, content or jpeg_with_gps(), content_type="image/jpeg")


def stored_files(settings):
    folder = os.path.join(settings.MEDIA_ROOT, "kits", "receipts")
    return [name for _root, _dirs, names in os.walk(folder) for name in names]


def test_a_damaged_receipt_with_a_photo_keeps_it_without_its_metadata(world, settings):
    request = shipped(world)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(world.staff_a)
    response = api.post(
        f"/api/v1/kit-requests/{request.pk}/receive/",
        {"condition": "damaged", "quantity_damaged": 1, "photo": photo()},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    assert response.json()["receipt_photo"].endswith(".jpg")
    request.refresh_from_db()
    with request.receipt_photo.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
    assert not image.getexif()  # the phone's GPS position is gone
    assert Discrepancy.objects.get(kit_request=request).quantity_damaged == 1
    assert len(stored_files(settings)) == 1


def test_a_file_that_is_not_a_photo_refuses_the_receipt_and_writes_nothing(world, settings):
    request = shipped(world)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(world.staff_a)
    response = api.post(
        f"/api/v1/kit-requests/{request.pk}/receive/",
        {"photo": photo(b"%PDF-1.4 not a picture", name="box.jpg")},
        format="multipart",
    )

    assert response.status_code == 400
    assert "JPEG, PNG or WebP" in str(response.json())
    assert KitRequest.objects.get(pk=request.pk).status == S.SHIPPED
    assert stored_files(settings) == []


def test_a_refused_receipt_removes_the_photo_it_stored(world, settings):
    request = shipped(world)
    with pytest.raises(services.NotAllowed):
        services.receive_request(kit_request=request, by=world.staff_c, photo=photo())
    assert KitRequest.objects.get(pk=request.pk).status == S.SHIPPED
    assert stored_files(settings) == []


def test_the_receipt_page_takes_the_photo_and_shows_it(client, world):
    request = shipped(world)
    client.force_login(world.staff_a)
    page = f"/kits/requests/{request.pk}/"
    assert 'enctype="multipart/form-data"' in client.get(page).content.decode()

    response = client.post(
        f"/kits/requests/{request.pk}/receive/",
        {"condition": "short", "quantity_received": 3, "photo": photo()},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == S.RECEIVED and request.receipt_photo
    assert 'id="receipt-photo"' in client.get(page).content.decode()
    client.force_login(world.admin)
    assert request.receipt_photo.url in client.get("/kits/discrepancies/").content.decode()
