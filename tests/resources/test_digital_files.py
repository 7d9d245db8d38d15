"""Content sniffing, checksums and the format rules of uploads (pure functions, no database)."""

import hashlib
import io
import zipfile

import pytest
from django.utils import translation

from config.files import FileTooLarge, FileTypeMismatch, check_picture, sniff_bytes
from resources.models import ResourceFormat as F
from resources.services.digital import client_network
from resources.services.uploads import format_accepts, inspect_upload
from tests.resources.digital_support import jpeg_bytes, mp4_bytes, pdf_bytes, png_bytes, upload


def zip_bytes(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


PPTX = zip_bytes(["[Content_Types].xml", "ppt/presentation.xml"])
DOCX = zip_bytes(["[Content_Types].xml", "word/document.xml"])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png_bytes((4, 4)), "image/png"),
        (jpeg_bytes((4, 4)), "image/jpeg"),
        (pdf_bytes(), "application/pdf"),
        (mp4_bytes(), "video/mp4"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(200), "audio/mpeg"),
        (zip_bytes(["lesson/index.html"]), "application/zip"),
        (PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        (DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"AC1027" + bytes(100), "image/vnd.dwg"),
        (b"  0\nSECTION\n  2\nHEADER\n", "image/vnd.dxf"),
        (b"<!DOCTYPE html><html><body>lesson</body></html>", "text/html"),
        ("健康生活方式，预防为主。\n".encode(), "text/plain"),
        (b"\x00\x01\x02\x03garbage", "application/octet-stream"),
    ],
)
def test_content_type_is_sniffed_from_the_bytes(data, expected):
    assert sniff_bytes(data) == expected


def test_text_cut_in_the_middle_of_a_character_is_still_text():
    text = ("科普" * 5000).encode()  # the 8 KiB window ends inside a character
    assert sniff_bytes(text[:8192]) == "text/plain"


@pytest.mark.parametrize(
    ("resource_format", "content_type", "accepted"),
    [
        (F.IMAGE, "image/png", True),
        (F.IMAGE, "image/vnd.dwg", False),
        (F.IMAGE, "image/svg+xml", False),
        (F.IMAGE, "application/pdf", False),
        (F.VIDEO, "video/mp4", True),
        (F.VIDEO, "audio/mpeg", False),
        (F.AUDIO, "audio/mpeg", True),
        (F.DOCUMENT, "application/pdf", True),
        (F.DOCUMENT, "text/plain", True),
        (F.DOCUMENT, "application/vnd.ms-excel", True),
        (F.DOCUMENT, "video/mp4", False),
        (F.COURSEWARE, "application/zip", True),
        (F.COURSEWARE, "text/html", True),
        (
            F.COURSEWARE,
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            True,
        ),
        (F.COURSEWARE, "image/png", False),
        (F.EXHIBIT_DESIGN, "image/vnd.dwg", True),
        (F.EXHIBIT_DESIGN, "image/jpeg", True),
        (F.EXHIBIT_DESIGN, "application/zip", True),
        (F.EXHIBIT_DESIGN, "video/mp4", False),
        (F.OTHER, "application/octet-stream", True),
    ],
)
def test_each_format_accepts_its_content_types(resource_format, content_type, accepted):
    assert format_accepts(resource_format, content_type) is accepted


def test_inspect_gives_size_checksum_and_type():
    data = png_bytes()
    info = inspect_upload(upload("poster.jpg", data), resource_format=F.IMAGE, max_size=10**7)
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.content_type == "image/png"  # from the bytes, not from the name


def test_a_file_named_like_a_video_but_holding_text_is_refused_with_a_clear_message():
    with translation.override("en"), pytest.raises(FileTypeMismatch) as caught:
        inspect_upload(
            upload("film.mp4", b"not a video at all", "video/mp4"), resource_format=F.VIDEO
        )
    message = str(caught.value.message)
    assert "text/plain" in message and "Video" in message
    assert caught.value.status_code == 400


def test_a_file_over_the_limit_is_refused_with_413():
    with pytest.raises(FileTooLarge) as caught:
        inspect_upload(upload("big.pdf", pdf_bytes()), resource_format=F.DOCUMENT, max_size=100)
    assert caught.value.status_code == 413


def test_a_cover_must_be_a_readable_picture():
    assert check_picture(upload("cover.jpg", jpeg_bytes())) == "image/jpeg"
    with pytest.raises(FileTypeMismatch):
        check_picture(upload("cover.jpg", pdf_bytes()))
    with pytest.raises(FileTypeMismatch):
        check_picture(upload("cover.png", png_bytes((10, 10))[:40]))  # truncated


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_client_addresses_are_truncated(address, network):
    assert client_network(address) == network
