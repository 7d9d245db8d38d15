"""Every page of accounts, facilities and campaigns speaks Chinese by default, English on request."""

import re

import pytest
from django.urls import reverse

from tests import factories


def heading(response):
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.django_db
def test_pages_are_in_chinese_by_default_and_in_english_on_request(world, client):
    campaign = factories.CampaignFactory(slug="demo")
    newcomer = factories.UserFactory(username="newcomer")
    pages = [
        (None, reverse("signup")),
        (None, reverse("login")),
        (None, reverse("password_reset")),
        (None, reverse("campaign-list")),
        (world.staff_a, reverse("password_change")),
        (newcomer, reverse("facility-register")),
        (world.staff_a, reverse("facility-edit", args=[world.facility_a.pk])),
        (world.admin, reverse("facility-review")),
        (world.admin, reverse("campaign-create")),
        (world.admin, reverse("campaign-participants", args=[campaign.slug])),
    ]
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        chinese = client.get(url)
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert chinese.status_code == english.status_code == 200, url
        assert '<html lang="zh-hans">' in chinese.content.decode()
        assert '<html lang="en">' in english.content.decode()
        assert heading(chinese) != heading(english), (url, heading(english))
        assert re.search(r"[\u4e00-\u9fff]", heading(chinese)), url
