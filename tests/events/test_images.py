"""The photo check and clean-up on their own (no database, no storage)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from config.images import InvalidImage, clean_photo, render_thumbnail

from . import images


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_gps_and_camera_exif_are_removed_and_the_photo_is_turned_upright():
    original = Image.open(io.BytesIO(images.jpeg_with_gps(orientation=6)))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the control: GPS is there
    assert original.size == (400, 200)

    clean = clean_photo(upload(images.jpeg_with_gps(orientation=6)))

    result = Image.open(io.BytesIO(clean.content))
    assert result.format == "JPEG"
    assert not result.getexif()
    assert "exif" not in result.info
    assert b"KepuCam" not in clean.content
    # Orientation 6 means "rotate 90° clockwise to view": the red left half becomes the top.
    assert result.size == (200, 400) == (clean.width, clean.height)
    assert images.is_close(result.getpixel((100, 50)), images.RED)
    assert images.is_close(result.getpixel((100, 350)), images.BLUE)


@pytest.mark.parametrize(
    ("orientation", "size", "top_colour"),
    [(1, (400, 200), images.RED), (3, (400, 200), images.BLUE), (8, (200, 400), images.BLUE)],
)
def test_every_orientation_is_applied(orientation, size, top_colour):
    clean = clean_photo(upload(images.jpeg_with_gps(orientation=orientation)))
    result = Image.open(io.BytesIO(clean.content))
    assert result.size == size
    assert images.is_close(result.getpixel((10, 10)), top_colour)


def test_png_keeps_its_transparency_and_webp_stays_webp():
    png = clean_photo(upload(images.png_bytes(), "a.png", "image/png"))
    assert (png.extension, png.content_type) == (".png", "image/png")
    assert Image.open(io.BytesIO(png.content)).mode == "RGBA"
    webp = clean_photo(upload(images.webp_bytes(), "a.webp", "image/webp"))
    assert (webp.extension, webp.width, webp.height) == (".webp", 64, 48)


def test_the_type_comes_from_the_content_not_the_name():
    clean = clean_photo(upload(images.png_bytes(), "disguised.jpg"))
    assert clean.extension == ".png"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (images.TEXT, "not a JPEG, PNG or WebP image"),
        (images.SVG, "not a JPEG, PNG or WebP image"),
        (images.gif_bytes(), "not a JPEG, PNG or WebP image"),
        (images.truncated_jpeg(), "damaged or incomplete"),
        (b"", "empty"),
    ],
    ids=["text", "svg", "gif", "truncated", "empty"],
)
def test_what_is_not_a_whole_allowed_image_is_refused_with_the_reason(data, reason):
    with pytest.raises(InvalidImage) as refused:
        clean_photo(upload(data))
    assert reason in str(refused.value.message)


def test_a_decompression_bomb_is_refused_from_its_header(settings):
    bomb = images.png_bomb(20000, 20000)
    assert len(bomb) < 100_000
    with pytest.raises(InvalidImage) as refused:
        clean_photo(upload(bomb, "bomb.png", "image/png"))
    assert "too many pixels" in str(refused.value.message)


@pytest.mark.parametrize("side", [8000, 10000], ids=["over-our-limit", "pillow-warns"])
def test_images_over_the_pixel_limit_are_refused(side):
    """8000² is over PHOTO_MAX_PIXELS; 10000² also makes Pillow warn, which is a refusal."""
    with pytest.raises(InvalidImage) as refused:
        clean_photo(upload(images.png_bomb(side, side), "big.png", "image/png"))
    assert "pixels" in str(refused.value.message)


def test_the_pixel_limit_comes_from_the_settings(settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    clean_photo(upload(images.png_bytes(size=(100, 100))))
    with pytest.raises(InvalidImage):
        clean_photo(upload(images.png_bytes(size=(101, 100))))


def test_the_size_limit_comes_from_the_settings(settings):
    data = images.jpeg_bytes()
    settings.PHOTO_MAX_UPLOAD_SIZE = len(data) - 1
    with pytest.raises(InvalidImage) as refused:
        clean_photo(upload(data))
    assert "at most" in str(refused.value.message)


def test_thumbnails_fit_the_box_and_flatten_transparency():
    thumbnail = Image.open(io.BytesIO(render_thumbnail(io.BytesIO(images.jpeg_bytes((1600, 800))))))
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (480, 240)
    transparent = render_thumbnail(io.BytesIO(images.png_bytes(size=(64, 48))))
    assert Image.open(io.BytesIO(transparent)).mode == "RGB"
