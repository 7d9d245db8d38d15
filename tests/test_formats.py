"""One date style per language on every page, set in the format files of config/formats."""

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, translation

from facilities.models import FacilityStatus
from tests import factories
from tests.facilities.world import build_world

DAY = datetime.date(2022, 8, 26)
MOMENT = datetime.datetime(2022, 8, 26, 6, 30, tzinfo=datetime.UTC)  # 14:30 in Shanghai


@pytest.mark.parametrize(
    "language, day, moment",
    [
        ("en", "26 Aug 2022", "26 Aug 2022, 14:30"),
        ("zh-hans", "2022年8月26日", "2022年8月26日 14:30"),
    ],
)
def test_each_language_has_one_date_style(settings, language, day, moment):
    from django.utils import timezone

    with translation.override(language), timezone.override("Asia/Shanghai"):
        assert {
            formats.date_format(DAY, name) for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT")
        } == {day}
        local = timezone.localtime(MOMENT)
        assert {
            formats.date_format(local, name)
            for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")
        } == {moment}


@pytest.mark.django_db
def test_english_pages_show_dates_in_that_style(client):
    world = build_world(status_a=FacilityStatus.APPROVED)
    campaign = factories.CampaignFactory(slug="health-2022", starts_on=DAY)
    page = client.get(
        reverse("campaign-detail", args=[campaign.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "26 Aug 2022" in page and "Aug. 26, 2022" not in page
    world.facility_a.decided_at = MOMENT
    world.facility_a.save()
    client.force_login(world.admin)
    page = client.get(
        reverse("facility-detail", args=[world.facility_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "26 Aug 2022, 14:30" in page and "08/26/2022" not in page
