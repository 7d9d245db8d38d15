"""Keep cached coverage figures fresh: any change to the data behind them bumps a version key.

Participations, kit requests, kits, digital resources and activities bump their campaign's
version; facilities (kind, level or province may change) bump the global one. Downloads are
left to the cache expiry (campaigns/stats.py): bumping on every download would mean never
using the cache when it matters most.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from events.models import Activity, CaravanTrip, TourStop
from facilities.models import Facility
from resources.models import DigitalResource, ExhibitionSet, Kit, KitRequest, RepairTicket

from .models import Participation
from .stats import bump_stats_version


def _bump(campaign_id=None):
    # Bump now, so the next read in this transaction sees the change, and again after commit,
    # so figures computed meanwhile from not-yet-committed data are not kept.
    bump_stats_version(campaign_id)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        transaction.on_commit(lambda: bump_stats_version(campaign_id))


def _campaign_changed(sender, instance, **kwargs):
    if instance.campaign_id:
        _bump(instance.campaign_id)


def _kit_request_changed(sender, instance, **kwargs):
    kit_field = KitRequest._meta.get_field("kit")
    if kit_field.is_cached(instance):
        campaign_id = instance.kit.campaign_id
    else:
        campaign_id = (
            Kit.objects.filter(pk=instance.kit_id).values_list("campaign_id", flat=True).first()
        )
    if campaign_id:
        _bump(campaign_id)


def _repair_ticket_changed(sender, instance, **kwargs):
    campaign_id = (
        ExhibitionSet.objects.filter(pk=instance.exhibition_set_id)
        .values_list("campaign_id", flat=True)
        .first()
    )
    if campaign_id:
        _bump(campaign_id)


def _facility_changed(sender, instance, **kwargs):
    _bump(None)


RECEIVERS = [
    (Participation, _campaign_changed),
    (Activity, _campaign_changed),
    (TourStop, _campaign_changed),
    (CaravanTrip, _campaign_changed),
    (DigitalResource, _campaign_changed),
    (Kit, _campaign_changed),
    (KitRequest, _kit_request_changed),
    (RepairTicket, _repair_ticket_changed),
    (Facility, _facility_changed),
]


def connect():
    """Connect the receivers once (called from CampaignsConfig.ready)."""
    for model, receiver in RECEIVERS:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver,
                sender=model,
                dispatch_uid=f"campaign-stats-{signal is post_save}-{model._meta.label}",
            )
