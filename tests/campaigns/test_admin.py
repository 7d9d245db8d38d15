"""The campaign admin saves through save_campaign, like the pages and the API."""

import pytest
from django.contrib.auth.models import Permission

from campaigns.models import Campaign
from tests import factories

pytestmark = pytest.mark.django_db
ADD = "/admin/campaigns/campaign/add/"
FORM = {"slug": "kepu-2026", "title": "2026 联合行动", "starts_on": "2026-05-01", "status": "draft"}


def test_a_national_administrator_creates_a_campaign_in_the_admin(client):
    client.force_login(factories.AdminFactory(username="centre"))
    response = client.post(ADD, FORM)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Campaign.objects.get(slug="kepu-2026").title == "2026 联合行动"


def test_staff_with_the_permission_alone_are_refused_with_the_services_message(client):
    clerk = factories.UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_campaign", "view_campaign"])
    )
    client.force_login(clerk)
    response = client.post(ADD, FORM, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200  # the form again, with the refusal
    assert "created and edited by national administrators" in response.content.decode()
    assert not Campaign.objects.filter(slug="kepu-2026").exists()
