import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_home_page_shows_the_current_campaign(client):
    campaign = factories.CampaignFactory(title="践行二十大 健康享未来")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert campaign.title in response.content.decode()
