"""Files a browser could run script in are never served inline, on S3 and in the embedded mode.

An SVG, HTML or XML resource comes as an `application/octet-stream` attachment from the
signed URL of the object store (the store applies the response-* parameters we sign) and from
the streamed local file; inert types (pictures, PDF, video) still preview inline.
"""

import hashlib

import pytest
import requests
from django.core.files.base import ContentFile

from config.files import OCTET_STREAM, delivery
from resources.models import DigitalResource, ResourceAccess, ResourceFormat
from tests import factories
from tests.resources.digital_support import png_bytes

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
XML = b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>'
SCRIPT_CAPABLE = {
    "drawing.svg": (SVG, "image/svg+xml"),
    "page.html": (HTML, "text/html"),
    "data.xml": (XML, "application/xml"),
}


@pytest.mark.parametrize(
    ("content_type", "inline", "expected"),
    [
        ("image/png", True, ("image/png", False)),
        ("image/png", False, ("image/png", True)),
        ("application/pdf", True, ("application/pdf", False)),
        ("video/mp4", True, ("video/mp4", False)),
        ("image/svg+xml", True, (OCTET_STREAM, True)),
        ("text/html", True, (OCTET_STREAM, True)),
        ("application/xml", True, (OCTET_STREAM, True)),
        ("text/xml", False, (OCTET_STREAM, True)),
        ("application/xhtml+xml", True, (OCTET_STREAM, True)),
        ("", True, (OCTET_STREAM, True)),
    ],
)
def test_only_inert_types_keep_their_type_and_may_be_inline(content_type, inline, expected):
    assert delivery(content_type, inline=inline) == expected


def resource_with(name, data, content_type):
    resource = factories.DigitalResourceFactory(
        file=ContentFile(data, name=name),
        format=ResourceFormat.OTHER,
        access=ResourceAccess.PUBLIC,
    )
    DigitalResource.objects.filter(pk=resource.pk).update(
        original_filename=name,
        file_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
    )
    return resource


def assert_attachment_of_bytes(headers, name):
    assert headers["Content-Type"] == OCTET_STREAM
    assert headers["Content-Disposition"].startswith("attachment")
    assert name in headers["Content-Disposition"]


@pytest.mark.s3
@pytest.mark.parametrize("name", sorted(SCRIPT_CAPABLE))
def test_the_signed_url_serves_script_capable_files_as_attachments(s3_storage, client, name):
    data, content_type = SCRIPT_CAPABLE[name]
    resource = resource_with(name, data, content_type)
    for path in (
        f"/api/v1/digital-resources/{resource.pk}/download/",
        f"/resources/{resource.pk}/file/",  # the preview player's URL asks for inline
    ):
        redirect = client.get(path)
        assert redirect.status_code == 302, path
        stored = requests.get(redirect["Location"], timeout=30)
        assert stored.status_code == 200
        assert stored.content == data
        assert_attachment_of_bytes(stored.headers, name)


@pytest.mark.s3
def test_the_signed_url_still_previews_a_picture_inline(s3_storage, client):
    resource = resource_with("poster.png", png_bytes(), "image/png")
    stored = requests.get(client.get(f"/resources/{resource.pk}/file/")["Location"], timeout=30)
    assert stored.headers["Content-Type"] == "image/png"
    assert stored.headers["Content-Disposition"].startswith("inline")


@pytest.mark.parametrize("name", sorted(SCRIPT_CAPABLE))
def test_the_embedded_mode_streams_script_capable_files_as_attachments(client, name):
    data, content_type = SCRIPT_CAPABLE[name]
    resource = resource_with(name, data, content_type)
    for path in (
        f"/api/v1/digital-resources/{resource.pk}/download/",
        f"/resources/{resource.pk}/file/",
        f"/media/{resource.file.name}",  # local media are served by the application itself
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content) == data
        assert response["Content-Type"] == OCTET_STREAM, path
        assert response["Content-Disposition"].startswith("attachment"), path


def test_the_embedded_mode_still_previews_a_picture_inline(client):
    resource = resource_with("poster.png", png_bytes(), "image/png")
    response = client.get(f"/resources/{resource.pk}/file/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
