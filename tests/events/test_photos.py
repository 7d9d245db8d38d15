"""Photo uploads through the API: what is stored, what is refused, and that refusals store nothing."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from events import services
from events.models import ActivityPhoto, ActivityStatus
from tests import factories

from . import images
from .conftest import stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(world):
    return factories.ActivityFactory(campaign=world.campaign, facility=world.facility)


@pytest.fixture
def staff(world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(world.staff)
    return client


def post_photo(client, activity, data, name="photo.jpg", content_type="image/jpeg", **fields):
    return client.post(
        f"/api/v1/activities/{activity.pk}/photos/",
        {"image": SimpleUploadedFile(name, data, content_type=content_type), **fields},
        format="multipart",
    )


def test_a_phone_photo_comes_back_upright_and_without_its_gps_position(
    staff, activity, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(
            staff, activity, images.jpeg_bytes((1200, 600), exif=images.camera_exif(6))
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"]) == (600, 1200)

    photo = ActivityPhoto.objects.get(pk=body["id"])
    with default_storage.open(photo.image.name) as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not image.getexif()
    assert b"KepuCam" not in data and b"GPS" not in data
    assert images.is_close(image.getpixel((300, 150)), images.RED)
    assert images.is_close(image.getpixel((300, 1050)), images.BLUE)
    # The stored name is ours, not the uploader's.
    assert photo.image.name.startswith(f"activities/photos/{activity.pk}/")
    assert photo.image.name.endswith(".jpg")
    assert "photo" not in photo.image.name.rsplit("/", 1)[1]

    photo.refresh_from_db()
    assert photo.thumbnail
    with default_storage.open(photo.thumbnail.name) as stored:
        thumbnail = Image.open(io.BytesIO(stored.read()))
    assert thumbnail.size == (240, 480)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "reason"),
    [
        ("photo.jpg", images.TEXT, "image/jpeg", "not a JPEG, PNG or WebP image"),
        ("photo.jpg", images.truncated_jpeg(), "image/jpeg", "damaged or incomplete"),
        ("drawing.svg", images.SVG, "image/svg+xml", "not a JPEG, PNG or WebP image"),
        ("bomb.png", images.png_bomb(20000, 20000), "image/png", "too many pixels"),
        ("huge.jpg", images.noisy_jpeg_bytes(), "image/jpeg", "at most"),
    ],
    ids=["text-renamed-jpg", "truncated", "svg", "decompression-bomb", "over-size"],
)
def test_refused_uploads_are_400_with_the_reason_and_store_nothing(
    settings, staff, activity, name, data, content_type, reason, _media_in_tmp
):
    settings.PHOTO_MAX_UPLOAD_SIZE = 50_000  # the over-size JPEG is larger; the bomb is not
    response = post_photo(staff, activity, data, name=name, content_type=content_type)
    assert response.status_code == 400
    [message] = response.json()["image"]
    assert reason in message
    assert not ActivityPhoto.objects.exists()
    assert stored_files(_media_in_tmp) == []


def test_the_upload_without_an_image_is_a_field_error(staff, activity):
    response = staff.post(
        f"/api/v1/activities/{activity.pk}/photos/", {"caption": "x"}, format="multipart"
    )
    assert response.status_code == 400
    assert "image" in response.json()


def test_several_photos_with_caption_and_credit(staff, activity):
    for n, data in enumerate([images.jpeg_bytes(), images.png_bytes(), images.webp_bytes()]):
        response = post_photo(staff, activity, data, caption=f"第{n + 1}张", credit="科协")
        assert response.status_code == 201
    photos = list(activity.photos.all())
    assert [p.caption for p in photos] == ["第1张", "第2张", "第3张"]
    assert [p.image.name.rsplit(".", 1)[1] for p in photos] == ["jpg", "png", "webp"]


def test_no_photos_are_added_once_verified(world, staff, activity, _media_in_tmp):
    activity.status = ActivityStatus.VERIFIED
    activity.save()
    response = post_photo(staff, activity, images.jpeg_bytes())
    assert response.status_code == 409
    assert stored_files(_media_in_tmp) == []


def test_the_number_of_photos_is_capped(world, staff, activity, monkeypatch):
    monkeypatch.setattr(services, "MAX_PHOTOS_PER_ACTIVITY", 2)
    statuses = [post_photo(staff, activity, images.jpeg_bytes()).status_code for _ in range(3)]
    assert statuses == [201, 201, 400]


def test_a_failed_row_takes_its_file_with_it(world, activity, _media_in_tmp):
    """PostgreSQL refuses the row (a caption longer than its column): the file goes too."""
    upload = SimpleUploadedFile("photo.jpg", images.jpeg_bytes(), content_type="image/jpeg")
    with pytest.raises(DataError):
        services.add_photo(activity=activity, by=world.staff, image=upload, caption="长" * 301)
    assert stored_files(_media_in_tmp) == []


def test_removing_a_photo_removes_its_files(
    world, staff, activity, _media_in_tmp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_photo(staff, activity, images.jpeg_bytes())
    photo = activity.photos.get()
    assert len(stored_files(_media_in_tmp)) == 2  # the photo and its thumbnail
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_photo(photo=photo, by=world.staff)
    assert stored_files(_media_in_tmp) == []


def test_making_the_thumbnail_twice_keeps_one(staff, activity, _media_in_tmp):
    photo_id = post_photo(staff, activity, images.jpeg_bytes()).json()["id"]
    first = services.make_thumbnail(photo_id=photo_id)
    second = services.make_thumbnail(photo_id=photo_id)
    assert first == second
    assert len(stored_files(_media_in_tmp)) == 2
    assert services.make_thumbnail(photo_id=photo_id + 1000) is None


def test_photo_srcset_offers_the_thumbnail_and_the_full_picture_with_their_widths():
    from types import SimpleNamespace

    from events.templatetags.events_tags import photo_srcset

    def file(url):
        return SimpleNamespace(url=url, __bool__=lambda: True)

    landscape = SimpleNamespace(
        width=1600, height=1200, image=file("/m/full.jpg"), thumbnail=file("/m/thumb.jpg")
    )
    assert photo_srcset(landscape) == "/m/thumb.jpg 480w, /m/full.jpg 1600w"
    portrait = SimpleNamespace(
        width=900, height=1600, image=file("/m/p.jpg"), thumbnail=file("/m/pt.jpg")
    )
    assert photo_srcset(portrait) == "/m/pt.jpg 270w, /m/p.jpg 900w"
    no_thumbnail = SimpleNamespace(width=3000, height=2000, image=file("/m/s.jpg"), thumbnail="")
    assert photo_srcset(no_thumbnail) == ""
    small = SimpleNamespace(width=400, height=200, image=file("/m/s.jpg"), thumbnail=file("/t.jpg"))
    assert photo_srcset(small) == ""
