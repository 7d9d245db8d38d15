"""Photos on the real S3 server, thumbnailed by a real Celery worker over Redis."""

import io
import time

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from events.models import ActivityPhoto
from tests import factories

from . import images

pytestmark = [pytest.mark.s3, pytest.mark.celery_worker]

THUMBNAIL_TIMEOUT = 30


def wait_for_thumbnail(photo_id, worker):
    deadline = time.monotonic() + THUMBNAIL_TIMEOUT
    while time.monotonic() < deadline:
        photo = ActivityPhoto.objects.get(pk=photo_id)
        if photo.thumbnail:
            return photo
        time.sleep(0.2)
    raise AssertionError(f"no thumbnail after {THUMBNAIL_TIMEOUT}s; worker log:\n{worker.log()}")


def bucket_keys(s3_storage):
    return sorted(obj.key for obj in s3_storage.bucket.objects.all())


def test_photos_live_on_s3_and_the_worker_thumbnails_them(
    s3_storage, real_celery_worker, world, s3_server
):
    activity = factories.ActivityFactory(campaign=world.campaign, facility=world.facility)
    staff = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_authenticate(world.staff)

    # A refused upload leaves the bucket empty.
    refused = staff.post(
        f"/api/v1/activities/{activity.pk}/photos/",
        {"image": SimpleUploadedFile("bomb.png", images.png_bomb(), "image/png")},
        format="multipart",
    )
    assert refused.status_code == 400
    assert bucket_keys(s3_storage) == []

    response = staff.post(
        f"/api/v1/activities/{activity.pk}/photos/",
        {
            "image": SimpleUploadedFile(
                "phone.jpg", images.jpeg_bytes((1200, 600), exif=images.camera_exif(6))
            ),
            "caption": "启动仪式现场",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["image_url"].startswith(s3_server.endpoint_url)
    assert "X-Amz-Signature=" in body["image_url"]

    photo = wait_for_thumbnail(body["id"], real_celery_worker)
    assert bucket_keys(s3_storage) == sorted([photo.image.name, photo.thumbnail.name])

    # The signed URLs really serve the files: the photo upright and clean, the thumbnail small.
    stored = requests.get(body["image_url"], timeout=10)
    assert stored.status_code == 200
    image = Image.open(io.BytesIO(stored.content))
    assert image.size == (600, 1200)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not image.getexif()

    listed = staff.get(f"/api/v1/activities/{activity.pk}/").json()
    [shown] = listed["photos"]
    thumbnail = requests.get(shown["thumbnail_url"], timeout=10)
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (240, 480)
    assert "make_photo_thumbnail" in real_celery_worker.log()
