"""Keep cached coverage figures fresh: any change to the data behind them bumps a version key.

Participations, kit requests, kits, digital resources and activities bump their campaign's
version; facilities (kind, level or province may change) bump the global one. Bulk writers
send no signals and call stats.figures_changed themselves. Single downloads are left to the
roll-up and the cache expiry (campaigns/stats.py): bumping on every download would mean never
using the cache when it matters most.
"""

from django.db.models.signals import post_delete, post_save

from events.models import Activity, CaravanTrip, TourStop
from facilities.models import Facility, RegionTagAssignment
from resources.models import DigitalResource, ExhibitionSet, Kit, KitRequest, RepairTicket

from .models import Participation
from .stats import figures_changed as _bump


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
    (RegionTagAssignment, _facility_changed),  # tags decide the coverage of a tag
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
