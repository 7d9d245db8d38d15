"""Offline bundles on local storage, tasks run eagerly: building, manifest, rebuilds, downloads."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.celery import app as celery_app
from config.errors import BadRequest, NotAllowed
from facilities.models import MembershipRole
from resources.models import (
    BundleStatus,
    DownloadChannel,
    DownloadEvent,
    ResourceAccess,
    ResourceBundle,
    ResourceFormat,
    ResourceStatus,
)
from resources.services import bundles, digital, downloads
from tests import factories
from tests.fixtures.celery import celery_app_on_broker

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin():
    return factories.AdminFactory(username="bundle-admin")


def make_resource(data, filename, resource_format=ResourceFormat.DOCUMENT, **fields):
    resource = factories.DigitalResourceFactory(
        file=ContentFile(data, name=filename),
        original_filename=filename,
        file_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        format=resource_format,
        **fields,
    )
    return resource


def built(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        bundle = bundles.create_bundle(**kwargs)
    bundle.refresh_from_db()
    return bundle


def read_archive(bundle):
    with bundle.file.open("rb") as handle:
        data = handle.read()
    archive = zipfile.ZipFile(io.BytesIO(data))
    return archive, json.loads(archive.read(bundles.MANIFEST_NAME))


def test_a_bundle_holds_its_files_and_a_manifest_whose_checksums_match(
    django_capture_on_commit_callbacks, admin
):
    poster = make_resource(b"\x89PNG" + bytes(range(256)) * 40, "海报.png", ResourceFormat.IMAGE)
    lesson = make_resource("健康生活方式 ".encode() * 500, "lesson.txt")
    same_name = make_resource(b"another lesson", "lesson.txt")

    bundle = built(
        django_capture_on_commit_callbacks,
        by=admin,
        title="健康享未来 离线包",
        resources=[poster, lesson, same_name],
    )

    assert bundle.status == BundleStatus.READY
    archive, manifest = read_archive(bundle)
    assert manifest["bundle"]["title"] == "健康享未来 离线包"
    entries = manifest["resources"]
    assert [e["id"] for e in entries] == [poster.pk, lesson.pk, same_name.pk]
    assert entries == bundle.manifest
    assert len({e["file_name"] for e in entries}) == 3
    for entry, resource in zip(entries, [poster, lesson, same_name], strict=True):
        content = archive.read(entry["file_name"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"] == resource.sha256
        assert entry["size"] == len(content)
        assert (entry["title"], entry["format"]) == (resource.title, resource.format)
    assert archive.getinfo(entries[0]["file_name"]).compress_type == zipfile.ZIP_STORED
    assert archive.getinfo(entries[1]["file_name"]).compress_type == zipfile.ZIP_DEFLATED
    with bundle.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == bundle.sha256
    assert bundle.file_size == bundle.file.size


def test_a_campaign_or_category_brings_its_published_resources_only(
    django_capture_on_commit_callbacks, admin
):
    campaign = factories.CampaignFactory()
    category = factories.CategoryFactory()
    in_campaign = make_resource(b"a", "a.txt", campaign=campaign)
    in_category = make_resource(b"b", "b.txt", category=category)
    withdrawn = make_resource(b"c", "c.txt", campaign=campaign, status=ResourceStatus.WITHDRAWN)
    make_resource(b"d", "d.txt")

    bundle = built(
        django_capture_on_commit_callbacks,
        by=admin,
        title="离线包",
        campaign=campaign,
        category=category,
    )

    assert set(bundle.resources.values_list("pk", flat=True)) == {in_campaign.pk, in_category.pk}
    assert withdrawn.pk not in {e["id"] for e in bundle.manifest}


def test_creating_a_bundle_needs_an_administrator_and_some_resources(admin):
    resource = make_resource(b"a", "a.txt")
    with pytest.raises(NotAllowed):
        bundles.create_bundle(by=factories.UserFactory(), title="x", resources=[resource])
    with pytest.raises(BadRequest):
        bundles.create_bundle(by=admin, title="x", campaign=factories.CampaignFactory())
    assert not ResourceBundle.objects.exists()


class TestRebuilds:
    @pytest.fixture
    def bundle(self, django_capture_on_commit_callbacks, admin):
        self.admin = admin
        self.first = make_resource(b"first version", "first.txt")
        self.second = make_resource(b"second", "second.txt")
        return built(
            django_capture_on_commit_callbacks,
            by=admin,
            title="离线包",
            resources=[self.first, self.second],
        )

    def test_a_member_changing_its_file_rebuilds_the_bundle(
        self, bundle, django_capture_on_commit_callbacks
    ):
        old_file = bundle.file.name
        data = b"first version, corrected"
        with django_capture_on_commit_callbacks(execute=True):
            digital.update_resource(
                resource=self.first, by=self.admin, file=ContentFile(data, name="first.txt")
            )
        bundle.refresh_from_db()

        assert (bundle.status, bundle.revision) == (BundleStatus.READY, 2)
        archive, manifest = read_archive(bundle)
        entry = next(e for e in manifest["resources"] if e["id"] == self.first.pk)
        assert archive.read(entry["file_name"]) == data
        assert not bundle.file.storage.exists(old_file)

    def test_a_renamed_or_withdrawn_member_rebuilds_the_bundle(
        self, bundle, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            digital.update_resource(resource=self.first, by=self.admin, title="改过的标题")
        bundle.refresh_from_db()
        assert [e["title"] for e in bundle.manifest][0] == "改过的标题"

        with django_capture_on_commit_callbacks(execute=True):
            digital.withdraw_resource(resource=self.second, by=self.admin)
        bundle.refresh_from_db()
        assert [e["id"] for e in bundle.manifest] == [self.first.pk]
        assert bundle.revision == 3

    def test_a_download_counter_or_an_unchanged_save_does_not(
        self, bundle, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            self.first.download_count = 5
            self.first.save(update_fields=["download_count"])
            digital.update_resource(resource=self.first, by=self.admin, description="只改了简介")
        bundle.refresh_from_db()
        # The full save also tells the download lookups to reload; nothing else is queued.
        rebuilds = [callback for callback in callbacks if callback is not downloads._bump_now]
        assert (rebuilds, bundle.revision) == ([], 1)

    def test_adding_or_removing_members_rebuilds(
        self, bundle, client, django_capture_on_commit_callbacks
    ):
        third = make_resource(b"third", "third.txt")
        client.force_login(self.admin)
        url = reverse("admin:resources_resourcebundle_change", args=[bundle.pk])
        form = {"title": bundle.title, "description": "", "access": bundle.access}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url, {**form, "resources": [self.first.pk, self.second.pk, third.pk]}
            )
        assert response.status_code == 302
        bundle.refresh_from_db()
        assert [e["id"] for e in bundle.manifest] == [self.first.pk, self.second.pk, third.pk]
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {**form, "resources": [self.first.pk, self.second.pk]})
        bundle.refresh_from_db()
        assert [e["id"] for e in bundle.manifest] == [self.first.pk, self.second.pk]

    def test_an_admin_edit_of_a_description_asks_the_bundles_nothing(self, bundle, client):
        loner = make_resource(b"alone", "alone.txt")
        client.force_login(self.admin)
        url = reverse("admin:resources_digitalresource_change", args=[loner.pk])
        form = {"title": loner.title, "format": loner.format, "access": loner.access}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {**form, "description": "只改了简介"})
        assert response.status_code == 302, response.content.decode()[:2000]
        loner.refresh_from_db()
        assert loner.description == "只改了简介"
        assert not [q["sql"] for q in queries if "resourcebundle" in q["sql"]]

    def test_a_build_overtaken_by_a_newer_request_publishes_nothing(self, bundle):
        revision = bundle.revision
        bundles.request_rebuild(bundle_ids=[bundle.pk])
        assert bundles._finish_build(bundle.pk, revision, status=BundleStatus.READY) == (
            None,
            None,
        )
        bundle.refresh_from_db()
        assert (bundle.status, bundle.revision) == (BundleStatus.PENDING, revision + 1)

    def test_a_missing_member_file_fails_the_build_and_keeps_the_previous_zip(self, bundle):
        previous = bundle.file.name
        self.second.file.storage.delete(self.second.file.name)
        bundles.request_rebuild(bundle_ids=[bundle.pk])

        assert bundles.build_bundle(bundle_id=bundle.pk) is None

        bundle.refresh_from_db()
        assert bundle.status == BundleStatus.FAILED
        assert f"#{self.second.pk}" in bundle.error
        assert bundle.file.name == previous and bundle.file.storage.exists(previous)

    def test_the_admin_action_rebuilds(self, bundle, client, admin):
        client.force_login(admin)
        response = client.post(
            reverse("admin:resources_resourcebundle_changelist"),
            {"action": "rebuild_bundles", "_selected_action": [bundle.pk]},
        )
        assert response.status_code == 302
        bundle.refresh_from_db()
        assert bundle.revision == 2


class TestDownloads:
    @pytest.fixture
    def public(self, django_capture_on_commit_callbacks, admin):
        resource = make_resource(b"public file", "p.txt")
        return built(
            django_capture_on_commit_callbacks, by=admin, title="公开包", resources=[resource]
        )

    @pytest.fixture
    def members_only(self, django_capture_on_commit_callbacks, admin):
        resource = make_resource(b"member file", "m.txt")
        return built(
            django_capture_on_commit_callbacks,
            by=admin,
            title="会员包",
            access=ResourceAccess.MEMBERS,
            resources=[resource],
        )

    def test_the_api_lists_built_bundles_the_visitor_may_download(
        self, api_client, public, members_only
    ):
        pending = ResourceBundle.objects.create(title="还没建好")
        response = api_client.get("/api/v1/bundles/")
        assert response.status_code == 200
        assert [b["id"] for b in response.json()["results"]] == [public.pk]
        item = response.json()["results"][0]
        assert item["download_url"].endswith(f"/api/v1/bundles/{public.pk}/download/")
        assert item["sha256"] == public.sha256 and item["manifest"] == public.manifest
        assert api_client.get(f"/api/v1/bundles/{pending.pk}/").status_code == 404

    def test_a_download_is_tracked_with_channel_bundle(self, api_client, public):
        staff = factories.MembershipFactory(role=MembershipRole.STAFF).user
        api_client.force_authenticate(staff)

        response = api_client.get(f"/api/v1/bundles/{public.pk}/download/")

        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:2] == b"PK"
        event = DownloadEvent.objects.get()
        assert (event.bundle_id, event.resource_id, event.channel) == (
            public.pk,
            None,
            DownloadChannel.BUNDLE,
        )
        assert event.user_id == staff.pk and event.facility_id is not None
        public.refresh_from_db()
        assert public.download_count == 1

    def test_a_download_is_recorded_even_when_the_broker_is_down(self, api_client, public):
        with celery_app_on_broker(celery_app, broker_url="redis://127.0.0.1:1/0", queue="gone"):
            response = api_client.get(f"/api/v1/bundles/{public.pk}/download/")
        assert response.status_code == 200
        assert DownloadEvent.objects.filter(bundle=public, channel="bundle").count() == 1

    def test_member_only_bundles_need_credentials(self, api_client, client, members_only):
        assert api_client.get(f"/api/v1/bundles/{members_only.pk}/download/").status_code == 401
        page = client.get(reverse("distributions:bundle-download", args=[members_only.pk]))
        assert page.status_code == 302 and "login" in page["Location"]
        assert api_client.get("/api/v1/bundles/999999/download/").status_code == 404
        assert not DownloadEvent.objects.exists()

    def test_the_catalogue_page_lists_bundles_with_download_links(self, client, public):
        response = client.get(reverse("distributions:bundle-list"))
        assert response.status_code == 200
        assert reverse("distributions:bundle-download", args=[public.pk]) in response.text
        assert public.title in response.text

    def test_the_list_costs_the_same_queries_whatever_its_size(
        self, api_client, django_assert_max_num_queries, django_capture_on_commit_callbacks, admin
    ):
        resources = [make_resource(b"x%d" % n, f"{n}.txt") for n in range(3)]

        def add_bundles(count):
            for n in range(count):
                built(
                    django_capture_on_commit_callbacks,
                    by=admin,
                    title=f"包 {n}",
                    resources=resources,
                )

        add_bundles(2)
        with django_assert_max_num_queries(4):
            assert len(api_client.get("/api/v1/bundles/").json()["results"]) == 2
        add_bundles(8)
        with django_assert_max_num_queries(4):
            assert len(api_client.get("/api/v1/bundles/").json()["results"]) == 10

    def test_an_administrator_creates_a_bundle_through_the_api(
        self, api_client, admin, django_capture_on_commit_callbacks
    ):
        resource = make_resource(b"x", "x.txt")
        api_client.force_authenticate(admin)
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(
                "/api/v1/bundles/", {"title": "API 包", "resources": [resource.pk]}, format="json"
            )
        assert response.status_code == 201
        assert ResourceBundle.objects.get().status == BundleStatus.READY
        api_client.force_authenticate(factories.UserFactory())
        refused = api_client.post("/api/v1/bundles/", {"title": "x"}, format="json")
        assert refused.status_code == 403
