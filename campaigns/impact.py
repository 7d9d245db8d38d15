"""Impact: whom each kit and digital resource reached, through the activities that used them.

Activities name the kits and resources they used (`Activity.kits_used`, `resources_used`).
Only verified activities count. For each kit or resource: the number of activities, their
audience, and the provinces and counties (county-level, non-grouping regions) where they took
place. `stops` is 0 for them: tour stops do not name kits or resources. An exhibition set
reaches people through its held (open or closed) stops of the campaign: their count, their
attendance, and the provinces and counties they were in; `activities` is 0 for sets.

One aggregate query per kind of item plus one for each kind's names, whatever the data size.
"""

from django.db.models import Count, F, Q, Sum

from events.models import Activity, ActivityStatus, TourStop, TourStopStatus
from facilities.models import RegionLevel
from resources.models import DigitalResource, ExhibitionSet, Kit

KitUse = Activity.kits_used.through
ResourceUse = Activity.resources_used.through


def _usage(through, item_field, *, campaign=None, item_ids=None):
    """{item id: {activities, audience, provinces, counties}} from one aggregate query."""
    uses = through.objects.filter(activity__status=ActivityStatus.VERIFIED)
    if campaign is not None:
        uses = uses.filter(activity__campaign=campaign)
    if item_ids is not None:
        uses = uses.filter(**{f"{item_field}__in": list(item_ids)})
    rows = (
        uses.values(
            item_field,
            region_code=F("activity__region_id"),
            region_level=F("activity__region__level"),
            grouping=F("activity__region__is_grouping"),
        )
        .annotate(activities=Count("activity_id"), audience=Sum("activity__audience_count"))
        .order_by()
    )
    usage = {}
    for row in rows:
        item = usage.setdefault(
            row[item_field], {"activities": 0, "audience": 0, "provinces": set(), "counties": set()}
        )
        item["activities"] += row["activities"]
        item["audience"] += row["audience"] or 0
        item["provinces"].add(row["region_code"][:2])
        if row["region_level"] == RegionLevel.COUNTY and not row["grouping"]:
            item["counties"].add(row["region_code"])
    return usage


def _set_usage(*, campaign):
    """{set id: {stops, audience, provinces, counties}} of the campaign's held stops."""
    rows = (
        TourStop.objects.filter(
            campaign=campaign, status__in=(TourStopStatus.OPEN, TourStopStatus.CLOSED)
        )
        .values(
            "exhibition_set_id",
            region_code=F("region_id"),
            region_level=F("region__level"),
            grouping=F("region__is_grouping"),
        )
        .annotate(stops=Count("id"), audience=Sum("audience_total"))
        .order_by()
    )
    usage = {}
    for row in rows:
        item = usage.setdefault(
            row["exhibition_set_id"],
            {"activities": 0, "stops": 0, "audience": 0, "provinces": set(), "counties": set()},
        )
        item["stops"] += row["stops"]
        item["audience"] += row["audience"] or 0
        item["provinces"].add(row["region_code"][:2])
        if row["region_level"] == RegionLevel.COUNTY and not row["grouping"]:
            item["counties"].add(row["region_code"])
    return usage


def _figures(pk, name, usage):
    used = usage.get(pk)
    return {
        "id": pk,
        "name": name,
        "activities": used["activities"] if used else 0,
        "stops": used.get("stops", 0) if used else 0,
        "audience": used["audience"] if used else 0,
        "provinces": len(used["provinces"]) if used else 0,
        "counties": len(used["counties"]) if used else 0,
    }


def campaign_impact(*, campaign, user):
    """Per kit and per digital resource of the campaign (or used in it), what they reached.

    Resources the user may not see are left out, even when an activity used them.
    """
    kit_usage = _usage(KitUse, "kit_id", campaign=campaign)
    set_usage = _set_usage(campaign=campaign)
    resource_usage = _usage(ResourceUse, "digitalresource_id", campaign=campaign)
    kits = Kit.objects.filter(campaign=campaign) | Kit.objects.filter(pk__in=list(kit_usage))
    resources = DigitalResource.objects.visible_to(user).filter(campaign=campaign)
    resources |= DigitalResource.objects.visible_to(user).filter(pk__in=list(resource_usage))
    return {
        "kits": [
            _figures(pk, name, kit_usage)
            for pk, name in kits.distinct().order_by("code").values_list("pk", "name")
        ],
        "resources": [
            _figures(pk, title, resource_usage)
            for pk, title in resources.distinct().order_by("title", "id").values_list("pk", "title")
        ],
        "exhibition_sets": [
            _figures(pk, name, set_usage)
            for pk, name in ExhibitionSet.objects.visible_to(user)
            .filter(Q(campaign=campaign) | Q(pk__in=list(set_usage)))
            .order_by("code", "id")
            .values_list("pk", "name")
        ],
    }


def kit_impact(kit):
    """What one kit reached, over every campaign."""
    return _figures(kit.pk, kit.name, _usage(KitUse, "kit_id", item_ids=[kit.pk]))


def resource_impact(resource):
    """What one digital resource reached, over every campaign."""
    return _figures(
        resource.pk,
        resource.title,
        _usage(ResourceUse, "digitalresource_id", item_ids=[resource.pk]),
    )
