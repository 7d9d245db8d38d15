"""A 200 MB offline bundle built by a real Celery worker on a real S3 server (SeaweedFS).

The worker's peak memory (VmHWM of every process of its group, read from /proc) must stay under
150 MB, and the manifest's checksums must match the files inside the ZIP.
"""

import hashlib
import json
import os
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from resources.models import BundleStatus, ResourceBundle, ResourceFormat
from resources.services import bundles
from tests import factories
from tests.fixtures.processes import wait_until

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.s3,
    pytest.mark.django_db(transaction=True),
]

MB = 1024 * 1024
PEAK_LIMIT = 150 * MB
MEMBERS = [
    ("宣传片.mp4", ResourceFormat.VIDEO, 120 * MB),
    ("讲座录像.mp4", ResourceFormat.VIDEO, 70 * MB),
    ("课件.pdf", ResourceFormat.DOCUMENT, 10 * MB),
]


class RandomStream:
    """`size` random bytes made as they are read (never held whole), hashed on the way."""

    closed = False

    def __init__(self, size, name):
        self.size = size
        self.name = name
        self._left = size
        self.sha256 = hashlib.sha256()

    def read(self, count=-1):
        count = self._left if count is None or count < 0 else min(count, self._left)
        data = os.urandom(count)
        self._left -= count
        self.sha256.update(data)
        return data

    def seekable(self):
        return False


def stored_resource(name, resource_format, size):
    stream = RandomStream(size, name)
    stored = default_storage.save(f"resources/files/test/{name}", stream)
    return factories.DigitalResourceFactory(
        title=name,
        format=resource_format,
        file=stored,
        original_filename=name,
        file_size=size,
        sha256=stream.sha256.hexdigest(),
        content_type="application/octet-stream",
    )


def group_peak_rss(leader_pid):
    """Highest peak resident set size (VmHWM, bytes) among the processes of a group."""
    peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != leader_pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) * 1024)
    return peak


def test_a_200_mb_bundle_keeps_the_worker_under_150_mb_and_its_manifest_true(
    s3_storage, real_celery_worker, s3_server, tmp_path
):
    resources = [stored_resource(*member) for member in MEMBERS]
    admin = factories.AdminFactory(username="bundle-admin")

    bundle = bundles.create_bundle(by=admin, title="大体积离线包", resources=resources)
    ready = wait_until(
        lambda: ResourceBundle.objects.filter(
            pk=bundle.pk, status__in=[BundleStatus.READY, BundleStatus.FAILED]
        ).first(),
        timeout=600,
        interval=0.5,
    )

    peak = group_peak_rss(real_celery_worker.process.pid)
    assert ready is not None and ready.status == BundleStatus.READY, ready and ready.error
    print(f"bundle of {ready.file_size / MB:.0f} MB built; worker peak RSS {peak / MB:.0f} MB")
    assert ready.file_size > 200 * MB
    assert 0 < peak < PEAK_LIMIT

    # Fetch the ZIP from the bucket to disk and check every member against the manifest.
    local = tmp_path / "bundle.zip"
    s3_server.client().download_file(s3_storage.bucket_name, ready.file.name, str(local))
    whole = hashlib.sha256()
    with open(local, "rb") as handle:
        while chunk := handle.read(MB):
            whole.update(chunk)
    assert whole.hexdigest() == ready.sha256
    with zipfile.ZipFile(local) as archive:
        manifest = json.loads(archive.read(bundles.MANIFEST_NAME))
        assert manifest["resources"] == ready.manifest
        assert len(manifest["resources"]) == len(resources)
        for entry, resource in zip(manifest["resources"], resources, strict=True):
            sha256, size = hashlib.sha256(), 0
            with archive.open(entry["file_name"]) as member:
                while chunk := member.read(MB):
                    sha256.update(chunk)
                    size += len(chunk)
            assert sha256.hexdigest() == entry["sha256"] == resource.sha256
            assert size == entry["size"] == resource.file_size
            assert entry["id"] == resource.pk and entry["title"] == resource.title
