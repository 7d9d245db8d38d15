"""The header's "My facility": where it leads for staff, newcomers and coordinators."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def nav_links(response):
    """The header's menus: the public navigation and the signed-in user's own items."""
    page = response.content.decode()
    return page[page.index("<header") : page.index("</header>")]


def test_coordinator_without_a_facility_is_led_to_the_review_not_to_registration(world, client):
    client.force_login(world.coordinator_a)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    nav = nav_links(response)
    assert reverse("facility-mine") not in nav
    assert reverse("facility-review") in nav
    response = client.get(reverse("facility-mine"))
    assert response.status_code == 302 and response["Location"] == reverse("facility-review")


def test_staff_and_newcomers_keep_my_facility(world, client):
    client.force_login(world.staff_a)
    assert reverse("facility-mine") in nav_links(client.get(reverse("home")))
    response = client.get(reverse("facility-mine"))
    assert response["Location"] == reverse("facility-detail", args=[world.facility_a.pk])
    client.force_login(factories.UserFactory(username="newcomer"))
    assert reverse("facility-mine") in nav_links(client.get(reverse("home")))
    assert client.get(reverse("facility-mine"))["Location"] == reverse("facility-register")
