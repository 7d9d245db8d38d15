"""The sync client of README.md, run as written against the live server: it mirrors the
catalogue, then fetches only what changed, and drops withdrawn resources."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from resources.models import DownloadEvent, ResourceAccess
from resources.services import digital as services
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, stored_resource, upload

media_root = digital_support.media_root
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root"),
]


def readme_sync_client():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Sync client example", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_sync_client_mirrors_incrementally(live_server, tmp_path, admin_user):
    token = Token.objects.create(user=facility_staff())
    code = (
        readme_sync_client()
        .replace("https://platform.example.org", live_server.url)
        .replace("YOUR-TOKEN", token.key)
        .replace('pathlib.Path("mirror")', f"pathlib.Path({str(tmp_path / 'mirror')!r})")
    )
    mirror = tmp_path / "mirror"

    def sync():
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
        return sorted(path.name for path in mirror.iterdir() if path.name != "state.json")

    poster = stored_resource(title="海报", data=b"poster v1")
    members = stored_resource(title="内部", data=b"members only", access=ResourceAccess.MEMBERS)
    assert sync() == [f"{poster.pk}-leaflet.txt", f"{members.pk}-leaflet.txt"]
    assert DownloadEvent.objects.count() == 2

    assert sync() == [f"{poster.pk}-leaflet.txt", f"{members.pk}-leaflet.txt"]
    assert DownloadEvent.objects.count() == 2  # nothing changed, nothing fetched

    services.withdraw_resource(resource=members, by=admin_user)
    services.update_resource(
        resource=poster, by=admin_user, file=upload("poster.txt", b"poster v2")
    )
    assert sync() == [f"{poster.pk}-poster.txt"]
    assert (mirror / f"{poster.pk}-poster.txt").read_bytes() == b"poster v2"
    assert DownloadEvent.objects.count() == 3
