"""The catalogue API as API.md fixes it: fields, filters, sync, conditional requests, cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from resources.models import DigitalResource, ResourceAccess, ResourceStatus
from resources.serializers.digital import CATALOGUE_FIELDS, DigitalResourceSerializer
from resources.services import digital as services
from tests import factories
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, stored_resource

media_root = digital_support.media_root
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIST_URL = "/api/v1/digital-resources/"


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def bulk_resources(count, **fields):
    """Rows without files on disk: enough for the catalogue, fast for hundreds."""
    category = factories.CategoryFactory(slug="bulk")
    now = timezone.now()
    DigitalResource.objects.bulk_create(
        DigitalResource(
            title=f"资源 {n}",
            description="健康",
            format="document",
            category=category,
            file=f"resources/files/x/{n}.pdf",
            original_filename=f"{n}.pdf",
            file_size=1000 + n,
            sha256=f"{n:064x}",
            content_type="application/pdf",
            thumbnail=f"resources/thumbnails/{n}.jpg" if n % 2 else "",
            published_at=now - datetime.timedelta(minutes=n),
            **fields,
        )
        for n in range(count)
    )


def test_list_has_the_contract_fields(api_client):
    resource = stored_resource(title="海报")
    response = api_client.get(LIST_URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    item = body["results"][0]
    assert list(item) == CATALOGUE_FIELDS
    assert item["id"] == resource.pk and item["format"] == "document"
    assert item["download_url"] == f"http://testserver{LIST_URL}{resource.pk}/download/"
    assert item["thumbnail_url"] is None
    assert item["updated_at"].endswith("+08:00")


def test_the_values_fast_path_gives_the_serializers_json(api_client, rf):
    bulk_resources(6)
    campaign = factories.CampaignFactory()
    DigitalResource.objects.filter(title="资源 1").update(campaign=campaign)
    listed = api_client.get(LIST_URL, {"page_size": 50}).json()["results"]
    request = rf.get(LIST_URL)
    queryset = DigitalResource.objects.select_related("category").order_by("-published_at", "-id")
    expected = DigitalResourceSerializer(queryset, many=True, context={"request": request}).data
    assert listed == [dict(item) for item in expected]


def test_filters_and_search(api_client):
    campaign = factories.CampaignFactory()
    poster = stored_resource(
        title="健康海报", format="image", category=factories.CategoryFactory(slug="posters")
    )
    video = stored_resource(title="科普短片", description="预防为主的动画", format="video")
    DigitalResource.objects.filter(pk=video.pk).update(campaign=campaign)
    assert ids(api_client.get(LIST_URL, {"format": "image"})) == [poster.pk]
    assert ids(api_client.get(LIST_URL, {"category": "posters"})) == [poster.pk]
    assert ids(api_client.get(LIST_URL, {"campaign": campaign.pk})) == [video.pk]
    assert ids(api_client.get(LIST_URL, {"q": "预防"})) == [video.pk]  # description
    assert ids(api_client.get(LIST_URL, {"q": "海报"})) == [poster.pk]  # title
    assert api_client.get(LIST_URL, {"format": "hologram"}).status_code == 400


def test_member_only_resources_are_listed_for_members_only(api_client):
    public = stored_resource(title="公开")
    members = stored_resource(title="内部", access=ResourceAccess.MEMBERS)
    assert ids(api_client.get(LIST_URL)) == [public.pk]
    token = Token.objects.create(user=facility_staff())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert sorted(ids(api_client.get(LIST_URL))) == sorted([public.pk, members.pk])
    assert ids(api_client.get(LIST_URL, {"access": "members"})) == [members.pk]
    api_client.credentials()
    assert api_client.get(f"{LIST_URL}{members.pk}/").status_code == 404


def test_withdrawn_resources_are_hidden_unless_status_all(api_client, admin_user):
    kept = stored_resource(title="保留")
    gone = stored_resource(title="撤回")
    services.withdraw_resource(resource=gone, by=admin_user)
    assert ids(api_client.get(LIST_URL)) == [kept.pk]
    assert ids(api_client.get(LIST_URL, {"status": "withdrawn"})) == [gone.pk]
    listed = api_client.get(LIST_URL, {"status": "all"}).json()["results"]
    assert {item["id"]: item["status"] for item in listed} == {
        kept.pk: "published",
        gone.pk: "withdrawn",
    }
    assert api_client.get(f"{LIST_URL}{gone.pk}/").json()["status"] == "withdrawn"


def test_incremental_sync_returns_exactly_the_changed_and_withdrawn_items(api_client, admin_user):
    first, second, third = (stored_resource(title=f"第{n}个") for n in range(3))
    full = api_client.get(LIST_URL, {"status": "all", "ordering": "updated_at"}).json()
    cursor = full["results"][-1]["updated_at"]
    assert api_client.get(LIST_URL, {"status": "all", "updated_since": cursor}).json()["count"] == 0

    services.update_resource(resource=second, by=admin_user, title="第1个（修订）")
    services.withdraw_resource(resource=third, by=admin_user)
    new = stored_resource(title="新的")
    changed = api_client.get(LIST_URL, {"status": "all", "updated_since": cursor}).json()
    assert [(item["id"], item["status"]) for item in changed["results"]] == [
        (second.pk, "published"),
        (third.pk, "withdrawn"),
        (new.pk, "published"),
    ]
    assert first.pk not in [item["id"] for item in changed["results"]]
    # Ordered by updated_at, id; strictly after the cursor.
    stamps = [item["updated_at"] for item in changed["results"]]
    assert stamps == sorted(stamps) and cursor not in stamps


def test_updated_since_accepts_an_unencoded_plus_and_after_id_breaks_ties(api_client):
    bulk_resources(3)
    stamp = timezone.now()
    DigitalResource.objects.update(updated_at=stamp)  # one statement: equal timestamps
    local = timezone.localtime(stamp).isoformat()
    assert api_client.get(f"{LIST_URL}?updated_since={local}").status_code == 200  # '+' → ' '
    everything = sorted(DigitalResource.objects.values_list("id", flat=True))
    earlier = (stamp - datetime.timedelta(seconds=1)).isoformat()
    assert ids(api_client.get(LIST_URL, {"updated_since": earlier})) == everything
    assert ids(api_client.get(LIST_URL, {"updated_since": local})) == []
    page = api_client.get(LIST_URL, {"updated_since": local, "after_id": everything[0]})
    assert ids(page) == everything[1:]
    assert api_client.get(LIST_URL, {"updated_since": "yesterday"}).status_code == 400


def test_a_repeated_list_request_with_the_etag_gets_304(api_client, admin_user):
    resource = stored_resource()
    first = api_client.get(LIST_URL, {"status": "all"})
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"')
    again = api_client.get(LIST_URL, {"status": "all"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    since = api_client.get(LIST_URL, {"status": "all"}, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert since.status_code == 304
    # Other parameters are another representation.
    assert api_client.get(LIST_URL, {"page_size": 5}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    services.withdraw_resource(resource=resource, by=admin_user)
    changed = api_client.get(LIST_URL, {"status": "all"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_detail_answers_304_and_changes_its_etag_with_the_count(api_client):
    resource = stored_resource()
    url = f"{LIST_URL}{resource.pk}/"
    etag = api_client.get(url)["ETag"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    DigitalResource.objects.filter(pk=resource.pk).update(download_count=5)
    fresh = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh.json()["download_count"] == 5


def test_a_page_of_500_costs_the_same_queries_as_a_page_of_10(api_client):
    token = Token.objects.create(user=facility_staff())
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    counts = {}
    for size in (10, 500):
        DigitalResource.objects.all().delete()
        bulk_resources(size, access=ResourceAccess.MEMBERS)
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(LIST_URL, {"page_size": 500})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)
    assert counts[10] == counts[500] <= 5  # token, scope (2), aggregate, page


def test_anonymous_list_runs_two_queries(api_client, django_assert_num_queries):
    bulk_resources(20)
    with django_assert_num_queries(2):  # the ETag aggregate (also the count), the page
        api_client.get(LIST_URL)


def test_a_page_whose_count_is_cached_costs_one_query(api_client, django_assert_num_queries):
    bulk_resources(20)
    first = api_client.get(LIST_URL, {"page_size": 5})
    with django_assert_num_queries(1):  # the page, which carries the table's stamp
        again = api_client.get(LIST_URL, {"page_size": 5, "page": 2})
    assert again.json()["count"] == first.json()["count"] == 20


def test_a_deleted_resource_changes_the_cached_count_and_the_etag(api_client):
    bulk_resources(20)
    first = api_client.get(LIST_URL, {"page_size": 5})
    # Neither the newest nor the highest id: the table's stamp does not move.
    middle = DigitalResource.objects.order_by("pk")[10]
    middle.delete()
    again = api_client.get(LIST_URL, {"page_size": 5}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again["ETag"] != first["ETag"]
    assert again.json()["count"] == 19


def test_the_last_page_and_pages_beyond_it(api_client):
    bulk_resources(12)
    everything = ids(api_client.get(LIST_URL, {"page_size": 50}))
    assert ids(api_client.get(LIST_URL, {"page_size": 5, "page": "last"})) == everything[10:]
    for page in (4, 10**30, 0, "two"):
        assert api_client.get(LIST_URL, {"page_size": 5, "page": page}).status_code == 404


def test_a_page_without_filters_lists_what_the_default_filters_list(api_client, admin_user):
    bulk_resources(15)
    pks = list(DigitalResource.objects.order_by("pk").values_list("pk", flat=True))
    DigitalResource.objects.filter(pk__in=pks[:3]).update(status=ResourceStatus.WITHDRAWN)
    DigitalResource.objects.filter(pk__in=pks[3:5]).update(access=ResourceAccess.MEMBERS)
    defaults = {"status": "published", "ordering": "-published_at", "q": ""}
    for client_user in (None, admin_user):
        api_client.force_authenticate(client_user)
        plain = api_client.get(LIST_URL, {"page_size": 50})
        filtered = api_client.get(LIST_URL, {"page_size": 50, **defaults})
        assert ids(plain) == ids(filtered)
        assert plain.json()["count"] == filtered.json()["count"]


def test_withdrawn_filter_value_is_checked(api_client):
    assert api_client.get(LIST_URL, {"status": "deleted"}).status_code == 400
    assert ResourceStatus.WITHDRAWN == "withdrawn"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "since",
    ["0607-08-05T20:01:27.633129-23:04", "0001-01-01T00:00:00+23:00", "9999-12-31T23:59:59-23:00"],
)
def test_updated_since_with_any_valid_offset_never_fails(client, since):
    """Offsets PostgreSQL cannot store are turned into UTC first (found by the fuzzing)."""
    response = client.get("/api/v1/digital-resources/", {"updated_since": since, "status": "all"})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert "updated_since" in response.json()


@pytest.mark.django_db
def test_a_resource_without_category_matches_the_schema(client):
    """The catalogue answers category null for uncategorised resources; the schema says so."""
    resource = factories.DigitalResourceFactory(category=None)
    detail = client.get(f"/api/v1/digital-resources/{resource.pk}/").json()
    assert detail["category"] is None
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    category = schema["components"]["schemas"]["DigitalResource"]["properties"]["category"]
    assert category.get("nullable") is True
