"""Files and people for the digital-resource tests."""

import hashlib
import io
import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from config.files import sniff_bytes
from facilities.models import MembershipRole
from resources.models import DigitalResource, ResourceAccess, ResourceFormat
from tests import factories


def png_bytes(size=(800, 600), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(640, 480), color=(20, 90, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(buffer, "PDF")
    return buffer.getvalue()


def mp4_bytes(payload=4096):
    """An MP4 header (ftyp box) followed by filler: sniffed as video/mp4."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * (
        payload // 256
    )


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files(root):
    root = Path(root)
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def media_root(settings, tmp_path):
    """Local media in a temporary folder (the embedded mode's storage)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def facility_staff(username="local-unit"):
    """Staff of an approved county facility in Heilongjiang (province 230000)."""
    return factories.MembershipFactory(role=MembershipRole.STAFF, user__username=username).user


def stored_resource(**kwargs):
    """A published resource with a small real text file in the current storage."""
    data = kwargs.pop("data", b"hello science")
    kwargs.setdefault("format", ResourceFormat.DOCUMENT)
    kwargs.setdefault("access", ResourceAccess.PUBLIC)
    resource = factories.DigitalResourceFactory(
        file=ContentFile(data, name="leaflet.txt"), **kwargs
    )
    DigitalResource.objects.filter(pk=resource.pk).update(
        original_filename="leaflet.txt",
        file_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=kwargs.get("content_type") or sniff_bytes(data),
    )
    resource.refresh_from_db()
    return resource


def run_concurrently(count, work):
    """Run work(index) in `count` threads released together; returns results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def runner(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results
