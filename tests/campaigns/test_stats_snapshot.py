"""Downloads stay exact while the roll-up moves events into DownloadDaily mid-computation."""

import contextlib
import datetime
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaigns import stats as stats_module
from resources.models import DownloadChannel, DownloadDaily, DownloadEvent
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

DAILY_BY_DAY = '"resources_downloaddaily"."date" AS "date"'


def roll_up_from_another_connection(campaign_id):
    """What the periodic roll-up does, committed by another connection (another thread)."""

    def roll_up():
        try:
            with transaction.atomic():
                pending = DownloadEvent.objects.filter(
                    rolled_up=False, resource__campaign_id=campaign_id
                )
                ids = list(pending.select_for_update().values_list("id", flat=True))
                rows = (
                    DownloadEvent.objects.filter(id__in=ids)
                    .values(
                        "resource_id",
                        "province_code",
                        day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()),
                    )
                    .annotate(downloads=Count("id"))
                    .order_by()
                )
                for row in rows:
                    daily, _created = DownloadDaily.objects.get_or_create(
                        resource_id=row["resource_id"],
                        date=row["day"],
                        province_code=row["province_code"],
                    )
                    DownloadDaily.objects.filter(pk=daily.pk).update(
                        count=F("count") + row["downloads"]
                    )
                DownloadEvent.objects.filter(id__in=ids).update(rolled_up=True)
        finally:
            connection.close()

    thread = threading.Thread(target=roll_up)
    thread.start()
    thread.join()


@pytest.fixture
def campaign_with_fresh_downloads(transactional_db):
    campaign = factories.CampaignFactory()
    resource = factories.DigitalResourceFactory(campaign=campaign)
    DownloadDaily.objects.create(
        resource=resource, date=datetime.date(2022, 9, 1), province_code="230000", count=5
    )
    DownloadEvent.objects.bulk_create(
        DownloadEvent(
            resource=resource,
            province_code="230000",
            channel=DownloadChannel.WEB,
            created_at=timezone.now(),
        )
        for _ in range(3)
    )
    return campaign


def compute_with_a_roll_up_in_the_middle(campaign):
    """Compute the figures; right after the roll-ups are read, the roll-up task commits."""
    fired = []

    def roll_up_after_reading_the_roll_ups(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not fired and DAILY_BY_DAY in sql:
            fired.append(True)
            roll_up_from_another_connection(campaign.pk)
        return result

    with connection.execute_wrapper(roll_up_after_reading_the_roll_ups):
        stats = stats_module.compute_campaign_stats(campaign=campaign)
    assert fired, "the roll-up never ran"
    assert not DownloadEvent.objects.filter(rolled_up=False).exists()
    return stats


def test_a_roll_up_during_the_computation_neither_loses_nor_doubles_downloads(
    campaign_with_fresh_downloads,
):
    stats = compute_with_a_roll_up_in_the_middle(campaign_with_fresh_downloads)
    assert stats["downloads_total"] == 5 + 3
    assert stats["top_resources"][0]["count"] == 5 + 3
    # And afterwards, all from the roll-ups.
    again = stats_module.compute_campaign_stats(campaign=campaign_with_fresh_downloads)
    assert again["downloads_total"] == 5 + 3


def test_without_one_snapshot_the_same_roll_up_loses_downloads(
    campaign_with_fresh_downloads, monkeypatch
):
    """Negative control: the test above would catch statements reading separate snapshots."""
    monkeypatch.setattr(stats_module, "one_snapshot", contextlib.nullcontext)
    stats = compute_with_a_roll_up_in_the_middle(campaign_with_fresh_downloads)
    assert stats["downloads_total"] == 5
