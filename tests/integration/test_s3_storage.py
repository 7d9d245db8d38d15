"""Files really go through django-storages to the SeaweedFS S3 server, and come back."""

import factory
import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from storages.backends.s3 import S3Storage

from resources.models import DigitalResource
from tests import factories

pytestmark = pytest.mark.s3


def stored_object(s3_server, bucket, key):
    return s3_server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def test_default_storage_writes_to_and_reads_from_the_bucket(s3_server, s3_storage):
    assert isinstance(s3_storage, S3Storage)
    assert default_storage.bucket_name == s3_storage.bucket_name

    name = default_storage.save("notes/hello.txt", ContentFile(b"prevention first"))

    assert stored_object(s3_server, s3_storage.bucket_name, name) == b"prevention first"
    with default_storage.open(name) as handle:
        assert handle.read() == b"prevention first"
    assert default_storage.exists(name)
    assert default_storage.size(name) == len(b"prevention first")
    default_storage.delete(name)
    assert not default_storage.exists(name)


@pytest.mark.django_db
def test_a_model_file_field_stores_in_the_bucket_and_serves_a_signed_url(s3_server, s3_storage):
    payload = "健康享未来 — healthy lifestyles\n".encode() * 100
    resource = factories.DigitalResourceFactory(
        file=factory.django.FileField(filename="poster.txt", data=payload)
    )
    resource = DigitalResource.objects.get(pk=resource.pk)

    assert resource.file.storage.bucket_name == s3_storage.bucket_name
    assert stored_object(s3_server, s3_storage.bucket_name, resource.file.name) == payload
    with resource.file.open("rb") as handle:
        assert handle.read() == payload

    url = resource.file.url
    assert url.startswith(s3_server.endpoint_url)
    assert "X-Amz-Signature=" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == payload

    # The server checks signatures: the same address without one is refused.
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


def test_each_test_gets_an_empty_bucket_of_its_own(s3_server, s3_storage):
    _dirs, files = default_storage.listdir("")
    assert files == []
    assert 3 <= len(s3_storage.bucket_name) <= 63
    names = [b["Name"] for b in s3_server.client().list_buckets()["Buckets"]]
    assert s3_storage.bucket_name in names


def test_without_the_fixture_storage_stays_local():
    assert isinstance(default_storage, FileSystemStorage)
    assert isinstance(DigitalResource._meta.get_field("file").storage, FileSystemStorage)
