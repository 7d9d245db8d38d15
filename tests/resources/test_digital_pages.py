"""Catalogue pages: search, filters, pagination, the resource page and its preview."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from resources.models import DigitalResource, ResourceAccess
from tests import factories
from tests.resources import digital_support
from tests.resources.digital_support import facility_staff, stored_resource

media_root = digital_support.media_root
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def titles(response):
    return [resource.title for resource in response.context["page_obj"]]


def test_search_and_filters(client):
    campaign = factories.CampaignFactory()
    posters = factories.CategoryFactory(slug="posters", name="海报")
    poster = stored_resource(title="健康海报", format="image", category=posters)
    video = stored_resource(title="科普短片", description="预防为主", format="video")
    DigitalResource.objects.filter(pk=video.pk).update(campaign=campaign)
    assert titles(client.get("/resources/", {"q": "预防"})) == ["科普短片"]
    assert titles(client.get("/resources/", {"format": "image"})) == ["健康海报"]
    assert titles(client.get("/resources/", {"category": "posters"})) == ["健康海报"]
    assert titles(client.get("/resources/", {"campaign": campaign.pk})) == ["科普短片"]
    page = client.get("/resources/").content.decode()
    assert "Resources" in page or "资源" in page
    assert f'href="/resources/{poster.pk}/"' in page


def test_member_resources_are_listed_for_members_only(client):
    stored_resource(title="公开资源")
    stored_resource(title="内部资源", access=ResourceAccess.MEMBERS)
    assert titles(client.get("/resources/")) == ["公开资源"]
    client.force_login(facility_staff())
    assert set(titles(client.get("/resources/"))) == {"内部资源", "公开资源"}


def test_pagination_and_the_two_lists(client):
    for n in range(25):
        stored_resource(title=f"资源{n:02d}")
    DigitalResource.objects.filter(title="资源03").update(download_count=99)
    first = client.get("/resources/")
    assert len(first.context["page_obj"]) == 20
    assert len(client.get("/resources/", {"page": 2}).context["page_obj"]) == 5
    assert first.context["most_downloaded"][0].title == "资源03"
    assert first.context["newest"][0].title == "资源24"
    ranked = client.get("/resources/", {"sort": "downloads"})
    assert titles(ranked)[0] == "资源03"


def test_the_catalogue_page_costs_the_same_queries_for_5_and_20_cards(client):
    counts = []
    for size in (5, 20):
        DigitalResource.objects.all().delete()
        for n in range(size):
            stored_resource(title=f"资源{n}", category=factories.CategoryFactory())
        with CaptureQueriesContext(connection) as queries:
            client.get("/resources/")
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_resource_page_shows_size_checksum_preview_and_download_button(client):
    data = digital_support.pdf_bytes()
    resource = stored_resource(data=data, title="防疫指南")
    DigitalResource.objects.filter(pk=resource.pk).update(
        content_type="application/pdf", sha256="ab" * 32, download_count=7
    )
    page = client.get(f"/resources/{resource.pk}/").content.decode()
    assert "防疫指南" in page
    assert "ab" * 32 in page
    assert f"{len(data)}" in page
    assert f'href="/resources/{resource.pk}/download/"' in page
    assert f'href="/resources/{resource.pk}/file/"' in page  # the PDF link
    assert 'id="download-count"' in page and ">7<" in page


@pytest.mark.parametrize(
    ("content_type", "element"),
    [("video/mp4", "<video"), ("audio/mpeg", "<audio"), ("image/png", "<img")],
)
def test_players_for_video_audio_and_image(client, content_type, element):
    resource = stored_resource()
    DigitalResource.objects.filter(pk=resource.pk).update(content_type=content_type)
    page = client.get(f"/resources/{resource.pk}/").content.decode()
    assert element in page
    assert f"/resources/{resource.pk}/file/" in page


def test_withdrawn_resources_have_no_page(client, admin_user):
    from resources.services.digital import withdraw_resource

    resource = stored_resource()
    withdraw_resource(resource=resource, by=admin_user)
    assert client.get(f"/resources/{resource.pk}/").status_code == 404


def test_the_nav_links_to_the_catalogue(client):
    assert 'href="/resources/"' in client.get("/").content.decode()
