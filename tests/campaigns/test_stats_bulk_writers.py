"""Bulk writers send no signals; the figures still show what they wrote at once."""

import pytest

from campaigns.stats import get_campaign_stats
from resources.models import DownloadChannel
from resources.services import digital, distributions
from tests import factories
from tests.resources.distribution_support import enrol, make_facilities

pytestmark = pytest.mark.django_db


def test_a_bulk_distribution_shows_in_the_figures_at_once(django_capture_on_commit_callbacks):
    campaign = factories.CampaignFactory()
    kit = factories.KitFactory(campaign=campaign, quantity_total=50)
    enrol(campaign, make_facilities(12))
    assert get_campaign_stats(campaign=campaign)["kit_requests"]["approved"] == 0  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        distributions.start_distribution(
            kit=kit, quantity_per_facility=2, by=factories.AdminFactory(), campaign=campaign
        )

    assert get_campaign_stats(campaign=campaign)["kit_requests"]["approved"] == 12


def test_a_download_roll_up_shows_in_the_figures_at_once():
    campaign = factories.CampaignFactory()
    resource = factories.DigitalResourceFactory(campaign=campaign)
    assert get_campaign_stats(campaign=campaign)["downloads_total"] == 0  # now cached
    for _ in range(3):
        digital.record_download(resource_id=resource.pk, channel=DownloadChannel.API)

    assert digital.roll_up_downloads() == 3

    assert get_campaign_stats(campaign=campaign)["downloads_total"] == 3
