"""Coverage statistics of a campaign: every figure of `GET /api/v1/campaigns/{slug}/stats/`.

One function, `get_campaign_stats(campaign=..., filters=...)`, answers for the API, the
dashboard, the exports and the public figures alike. It runs a fixed handful of queries
(participations, kit requests, resources, daily downloads by resource and by day and province,
not-yet-rolled download events, activities, tour stops, caravan trips, repair tickets (two),
province names), whatever the number of facilities, provinces or days, and
keeps the answer in Django's cache (Redis in production) for at most `STATS_CACHE_SECONDS`.

What each figure counts (all for the campaign):

- `facilities_participating`: approved participations. `facilities_by_kind` (every kind a key,
  zeros included) and `facilities_by_province` (list of `{province, name, count}`, largest
  first) split the same participations by the facility's kind and province.
- `flags_awarded`: approved participations with `flag_awarded_at` set.
- `kit_requests`: requests for kits of the campaign (`kit.campaign`), by status; every status
  is a key, zeros included.
- `kits_units_shipped`: sum of `quantity` of those requests that are shipped or received.
- `grassroots_facilities_reached`: county-level facilities (`Facility.level == county`) with at
  least one received request for a kit of the campaign of which at least one unit arrived —
  the headline coverage figure.
- `units_received`: sum of `quantity_received` of the received requests (what arrived, not
  what was shipped); `discrepancies_open`: received requests whose discrepancy is still open;
  `shipments_overdue`: shipped requests not received `KIT_RECEIPT_CHASE_DAYS` after shipping
  (as of now, whatever the date filters). `allotments_by_province` (list of `{province, name,
  quantity, used}`): the provinces' allotments of the campaign's kits and what they used.
- `digital_resources_published`: published digital resources of the campaign.
- `downloads_total`, `downloads_by_province` (list of `{province, name, count}`; `province` is
  null for downloads whose province is unknown, e.g. anonymous ones) and `downloads_by_day`
  (list of `{date, count}`, ascending, days with at least one download only): downloads of the
  campaign's resources, published or since withdrawn, from the daily roll-ups (DownloadDaily)
  plus the events not rolled up yet (DownloadEvent with `rolled_up=False`), so the figure is
  exact without reading millions of events. Days are local days (settings.TIME_ZONE), as in
  the roll-ups. Downloads of whole bundles are not counted here.
- `activities_reported`: activities that are reported or verified (rejected ones never count);
  `activities_verified`: the verified ones; `audience_total`: the audience of the verified ones
  only, because the public only sees verified reports and an unverified head count is a claim.
  `activities_by_kind` counts reported and verified ones by kind (every kind a key).
- `counties_reached` / `counties_total`: county-level divisions reached by the campaign, and
  all of them (in the filtered provinces), as defined in campaigns/coverage.py.

- `stops_open` (open now), `stops_held` (open or closed) and `stop_audience` (their stored
  attendance sums): tour stops of the campaign, by the stop's province; `trips_reported` and
  `trip_distance_km`: its reported caravan trips, by the trip's province.
- `repair_tickets_open` and the other `repair_*` figures: repair tickets of the campaign's
  exhibition sets (see `_repair_figures`).

Extra fields for the dashboard and the exports: `by_province` (one row per province with every
per-province figure), `top_resources` (the ten most downloaded resources), `filters` (the
filters applied) and `generated_at` (when the figures were computed).

Filters (all optional): `provinces` restricts every figure to facilities of those provinces
(the facility's province; for downloads the downloading facility's province) — except
`digital_resources_published`, which is a property of the catalogue, not of a province.
`date_from` / `date_to` (inclusive local dates) keep what happened in that window, each figure
by the date of its own event: participations by approval (or application when no approval time
was recorded), flags by award, requests by creation, shipped units by shipping, grassroots
reach by receipt, resources by publication, downloads by day, activities by start.

The cache is refreshed when the data behind it changes (campaigns/signals.py bumps a version
key per campaign, or a global one for facility changes; the bulk writers, which send no
signals, call `figures_changed` where they write: distribution allocations, download
roll-ups), and otherwise after at most `STATS_CACHE_SECONDS`. Single downloads rely on the
roll-up and the expiry, since a version bump on every download would defeat the cache under
load.
"""

import time as time_module
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from events.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    CaravanTrip,
    CaravanTripStatus,
    TourStop,
    TourStopStatus,
)
from facilities.models import Facility, FacilityKind, FacilityLevel, Region, RegionLevel
from resources.models import (
    REPAIR_OPEN_STATUSES,
    Allotment,
    DigitalResource,
    DiscrepancyStatus,
    DownloadDaily,
    DownloadEvent,
    KitRequest,
    KitRequestStatus,
    RepairCause,
    RepairSeverity,
    RepairStatus,
    RepairTicket,
    ResourceStatus,
)
from resources.services.allotments import overdue_condition

from .coverage import county_counts
from .models import Participation, ParticipationStatus

# Never serve figures older than two minutes, whatever the setting says.
STATS_CACHE_SECONDS = min(settings.STATS_CACHE_SECONDS, 120)
TOP_RESOURCES = 10
SHIPPED_STATUSES = (KitRequestStatus.SHIPPED, KitRequestStatus.RECEIVED)

GLOBAL_VERSION_KEY = "campaign-stats:version"


def campaign_version_key(campaign_id):
    return f"campaign-stats:version:{campaign_id}"


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsFilter:
    """What to count: provinces (codes) and an inclusive window of local dates."""

    provinces: tuple = ()
    date_from: date | None = None
    date_to: date | None = None

    @property
    def has_dates(self):
        return self.date_from is not None or self.date_to is not None

    def cache_fragment(self):
        return "{}:{}:{}".format(
            ",".join(sorted(self.provinces)) or "-",
            self.date_from.isoformat() if self.date_from else "-",
            self.date_to.isoformat() if self.date_to else "-",
        )

    def as_dict(self):
        return {
            "provinces": sorted(self.provinces),
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    def in_provinces(self, field):
        """Rows whose `field` (a province code) is one of the filter's provinces."""
        if not self.provinces:
            return Q()
        return Q(**{f"{field}__in": self.provinces})

    def during(self, field):
        """Rows whose datetime `field` falls on a local day of the window."""
        tz = timezone.get_default_timezone()
        condition = Q()
        if self.date_from:
            condition &= Q(**{f"{field}__gte": datetime.combine(self.date_from, time.min, tz)})
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tz)
            condition &= Q(**{f"{field}__lt": end})
        return condition

    def on_days(self, field):
        """Rows whose date `field` is a day of the window."""
        condition = Q()
        if self.date_from:
            condition &= Q(**{f"{field}__gte": self.date_from})
        if self.date_to:
            condition &= Q(**{f"{field}__lte": self.date_to})
        return condition


# ---------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------


def get_campaign_stats(*, campaign, filters=None):
    """The campaign's figures, from the cache when they are recent enough.

    Never older than STATS_CACHE_SECONDS; fresh after any change signalled by the models.
    """
    filters = filters or StatsFilter()
    key = _cache_key(campaign.pk, filters)
    stats = cache.get(key)
    if stats is None:
        stats = compute_campaign_stats(campaign=campaign, filters=filters)
        cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


def compute_campaign_stats(*, campaign, filters=None):
    """Compute every figure with a fixed number of queries, whatever the data size.

    All of them read one snapshot of the data (see `one_snapshot`), so a download rolled up
    while they run is counted exactly once.
    """
    filters = filters or StatsFilter()
    provinces = _ProvinceTable()

    with one_snapshot():
        participation = _participation_figures(campaign, filters, provinces)
        kits = _kit_figures(campaign, filters, provinces)
        allotments = _allotment_figures(campaign, filters)
        resources = _resource_figures(campaign, filters)
        downloads = _download_figures(campaign, filters, provinces, resources)
        activities = _activity_figures(campaign, filters, provinces)
        field = _field_figures(campaign, filters)
        counties_reached, counties_total = county_counts(campaign=campaign, filters=filters)
        names = dict(
            Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name").order_by()
        )

    def named(counts):
        rows = [
            {"province": code or None, "name": provinces.name(code, names), "count": count}
            for code, count in counts.items()
            if count
        ]
        return sorted(rows, key=lambda row: (-row["count"], row["province"] or "~"))

    by_province = []
    for code in sorted(provinces.codes, key=lambda c: c or "~"):
        row = {"province": code or None, "name": provinces.name(code, names)}
        row.update(provinces.rows[code])
        by_province.append(row)
    by_province.sort(
        key=lambda row: (
            -row["facilities_participating"],
            -row["grassroots_facilities_reached"],
            -row["downloads"],
            row["province"] or "~",
        )
    )

    return {
        "campaign": campaign.slug,
        "filters": filters.as_dict(),
        "generated_at": timezone.now().isoformat(),
        "facilities_participating": participation["total"],
        "facilities_by_kind": participation["by_kind"],
        "facilities_by_province": named(participation["by_province"]),
        "flags_awarded": participation["flags"],
        "kit_requests": kits["by_status"],
        "kits_units_shipped": kits["units_shipped"],
        "grassroots_facilities_reached": kits["reached"],
        "counties_reached": counties_reached,
        "counties_total": counties_total,
        "units_received": kits["units_received"],
        "discrepancies_open": kits["discrepancies_open"],
        "shipments_overdue": kits["overdue"],
        "allotments_by_province": [
            {**row, "name": provinces.name(row["province"], names)} for row in allotments
        ],
        "digital_resources_published": resources["published"],
        "downloads_total": downloads["total"],
        "downloads_by_province": named(downloads["by_province"]),
        "downloads_by_day": downloads["by_day"],
        "activities_reported": activities["reported"],
        "activities_verified": activities["verified"],
        "audience_total": activities["audience"],
        "activities_by_kind": activities["by_kind"],
        **field,
        "top_resources": downloads["top_resources"],
        "by_province": by_province,
    }


@contextmanager
def one_snapshot():
    """Run the queries on one snapshot of the data, so that the figures agree with each other.

    The roll-up moves events into DownloadDaily in one transaction; reading the roll-ups and
    the remaining events in two statements of separate snapshots could count such events
    twice or not at all. PostgreSQL: a read-only REPEATABLE READ transaction; SQLite's
    transactions read one snapshot already. Inside an outer transaction (tests), that one
    decides.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


PROVINCE_FIGURES = (
    "facilities_participating",
    "flags_awarded",
    "kit_requests",
    "kits_units_shipped",
    "grassroots_facilities_reached",
    "downloads",
    "activities_reported",
    "audience_total",
)


class _ProvinceTable:
    """Per-province figures gathered from the separate aggregate queries."""

    def __init__(self):
        self.rows = {}

    @property
    def codes(self):
        return self.rows.keys()

    def add(self, code, figure, value):
        code = code or ""
        if code not in self.rows:
            self.rows[code] = dict.fromkeys(PROVINCE_FIGURES, 0)
        self.rows[code][figure] += value or 0

    @staticmethod
    def name(code, names):
        if not code:
            return str(_("No province (anonymous downloads)"))
        return names.get(code, code)


def _participation_figures(campaign, filters, provinces):
    queryset = Participation.objects.filter(
        filters.in_provinces("facility__province_id"),
        campaign=campaign,
        status=ParticipationStatus.APPROVED,
    )
    flagged = Q(flag_awarded_at__isnull=False)
    if filters.has_dates:
        queryset = queryset.annotate(joined_at=Coalesce("approved_at", "applied_at"))
        joined = filters.during("joined_at")
        flagged &= filters.during("flag_awarded_at")
        queryset = queryset.filter(joined | flagged)
        joined_count = Count("id", filter=joined)
    else:
        joined_count = Count("id")
    rows = (
        queryset.values(kind=F("facility__kind"), province=F("facility__province_id"))
        .annotate(joined=joined_count, flags=Count("id", filter=flagged))
        .order_by()
    )
    by_kind = dict.fromkeys(FacilityKind.values, 0)
    by_province = {}
    total = flags = 0
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["joined"]
        by_province[row["province"]] = by_province.get(row["province"], 0) + row["joined"]
        total += row["joined"]
        flags += row["flags"]
        provinces.add(row["province"], "facilities_participating", row["joined"])
        provinces.add(row["province"], "flags_awarded", row["flags"])
    return {"total": total, "by_kind": by_kind, "by_province": by_province, "flags": flags}


def _kit_figures(campaign, filters, provinces):
    created = filters.during("created_at")
    shipped = Q(status__in=SHIPPED_STATUSES) & filters.during("shipped_at")
    received = Q(status=KitRequestStatus.RECEIVED) & filters.during("received_at")
    # A receipt recorded without a quantity (before receipts had one) means all of it arrived.
    arrived = Q(quantity_received__gt=0) | Q(quantity_received__isnull=True)
    reached = received & arrived & Q(facility__level=FacilityLevel.COUNTY)
    queryset = KitRequest.objects.filter(
        filters.in_provinces("facility__province_id"), kit__campaign=campaign
    )
    if filters.has_dates:
        queryset = queryset.filter(created | shipped | reached)
    rows = (
        queryset.values("status", province=F("facility__province_id"))
        .annotate(
            requests=Count("id", filter=created or None),
            units=Sum("quantity", filter=shipped),
            # A facility lies in one province, so per-province distinct counts add up exactly.
            reached=Count("facility_id", distinct=True, filter=reached),
            received=Sum(Coalesce("quantity_received", "quantity"), filter=received),
            # One discrepancy per request at most: the join never repeats a request.
            open=Count("discrepancy", filter=Q(discrepancy__status=DiscrepancyStatus.OPEN)),
            overdue=Count("id", filter=overdue_condition()),
        )
        .order_by()
    )
    by_status = dict.fromkeys(KitRequestStatus.values, 0)
    units_shipped = reached_total = units_received = discrepancies_open = overdue = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["requests"]
        units_shipped += row["units"] or 0
        reached_total += row["reached"]
        units_received += row["received"] or 0
        discrepancies_open += row["open"]
        overdue += row["overdue"]
        provinces.add(row["province"], "kit_requests", row["requests"])
        provinces.add(row["province"], "kits_units_shipped", row["units"])
        provinces.add(row["province"], "grassroots_facilities_reached", row["reached"])
    return {
        "by_status": by_status,
        "units_shipped": units_shipped,
        "reached": reached_total,
        "units_received": units_received,
        "discrepancies_open": discrepancies_open,
        "overdue": overdue,
    }


def _allotment_figures(campaign, filters):
    """Allotted and used units of the campaign's kits per province (one query)."""
    rows = (
        Allotment.objects.filter(filters.in_provinces("province_id"), kit__campaign=campaign)
        .values(province_code=F("province_id"))
        .annotate(quantity=Sum("quantity"), used=Sum("used"))
        .order_by("province_code")
    )
    return [
        {"province": row["province_code"], "quantity": row["quantity"], "used": row["used"]}
        for row in rows
    ]


def _resource_figures(campaign, filters):
    """Every resource of the campaign with its rolled-up downloads (two queries)."""
    rows = (
        DigitalResource.objects.filter(campaign=campaign)
        .values("id", "title", "status", "published_at")
        .order_by()
    )
    # Grouping the roll-ups by resource alone is much cheaper than joining them to the
    # resources and grouping by every resource column.
    rolled = dict(
        DownloadDaily.objects.filter(
            filters.on_days("date"),
            filters.in_provinces("province_code"),
            resource__campaign=campaign,
        )
        .values("resource_id")
        .annotate(downloads=Sum("count"))
        .values_list("resource_id", "downloads")
        .order_by()
    )
    tz = timezone.get_default_timezone()
    resources = {}
    published = 0
    for row in rows:
        resources[row["id"]] = {"title": row["title"], "count": rolled.get(row["id"], 0)}
        if row["status"] != ResourceStatus.PUBLISHED:
            continue
        if filters.has_dates:
            when = row["published_at"]
            day = when.astimezone(tz).date() if when else None
            if day is None or (filters.date_from and day < filters.date_from):
                continue
            if filters.date_to and day > filters.date_to:
                continue
        published += 1
    return {"published": published, "resources": resources}


def _download_figures(campaign, filters, provinces, resources):
    by_day = {}
    by_province = {}
    daily_rows = (
        DownloadDaily.objects.filter(
            filters.on_days("date"),
            filters.in_provinces("province_code"),
            resource__campaign=campaign,
        )
        .values("date", "province_code")
        .annotate(downloads=Sum("count"))
        .order_by()
    )
    for row in daily_rows:
        by_day[row["date"]] = by_day.get(row["date"], 0) + row["downloads"]
        by_province[row["province_code"]] = (
            by_province.get(row["province_code"], 0) + row["downloads"]
        )
    # Today's events (and any the roll-up has not reached yet), by the same local day.
    fresh_rows = (
        DownloadEvent.objects.filter(
            filters.during("created_at"),
            filters.in_provinces("province_code"),
            rolled_up=False,
            resource__campaign=campaign,
        )
        .values(
            "resource_id",
            "province_code",
            day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()),
        )
        .annotate(downloads=Count("id"))
        .order_by()
    )
    per_resource = resources["resources"]
    for row in fresh_rows:
        by_day[row["day"]] = by_day.get(row["day"], 0) + row["downloads"]
        by_province[row["province_code"]] = (
            by_province.get(row["province_code"], 0) + row["downloads"]
        )
        if row["resource_id"] in per_resource:
            per_resource[row["resource_id"]]["count"] += row["downloads"]
    for code, count in by_province.items():
        provinces.add(code, "downloads", count)
    top = sorted(
        (
            {"id": pk, "title": item["title"], "count": item["count"]}
            for pk, item in per_resource.items()
            if item["count"]
        ),
        key=lambda item: (-item["count"], item["id"]),
    )[:TOP_RESOURCES]
    return {
        "total": sum(by_day.values()),
        "by_day": [
            {"date": day.isoformat(), "count": count}
            for day, count in sorted(by_day.items())
            if count
        ],
        "by_province": by_province,
        "top_resources": top,
    }


def _activity_figures(campaign, filters, provinces):
    rows = (
        Activity.objects.filter(
            filters.in_provinces("facility__province_id"),
            filters.during("starts_at"),
            campaign=campaign,
        )
        .exclude(status=ActivityStatus.REJECTED)
        .values("kind", "status", province=F("facility__province_id"))
        .annotate(activities=Count("id"), audience=Sum("audience_count"))
        .order_by()
    )
    by_kind = dict.fromkeys(ActivityKind.values, 0)
    reported = verified = audience = 0
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["activities"]
        reported += row["activities"]
        provinces.add(row["province"], "activities_reported", row["activities"])
        if row["status"] == ActivityStatus.VERIFIED:
            verified += row["activities"]
            audience += row["audience"] or 0
            provinces.add(row["province"], "audience_total", row["audience"])
    return {"reported": reported, "verified": verified, "audience": audience, "by_kind": by_kind}


def _field_figures(campaign, filters):
    """Tour stops and caravan trips of the campaign: two queries, whatever the data size.

    `stops_open`: stops open now. `stops_held`: open or closed stops (within a date window:
    those whose dates meet it) and `stop_audience` their stored attendance sums.
    `trips_reported` and `trip_distance_km`: reported trips (by their first day).
    """
    stop_rows = (
        TourStop.objects.filter(
            filters.in_provinces("province_id"),
            Q(ends_on__gte=filters.date_from) if filters.date_from else Q(),
            Q(starts_on__lte=filters.date_to) if filters.date_to else Q(),
            campaign=campaign,
            status__in=(TourStopStatus.OPEN, TourStopStatus.CLOSED),
        )
        .values("status")
        .annotate(stops=Count("id"), audience=Sum("audience_total"))
        .order_by()
    )
    stops_open = stops_held = stop_audience = 0
    for row in stop_rows:
        stops_held += row["stops"]
        stop_audience += row["audience"] or 0
        if row["status"] == TourStopStatus.OPEN:
            stops_open += row["stops"]
    trips = CaravanTrip.objects.filter(
        filters.in_provinces("province_id"),
        filters.on_days("starts_on"),
        campaign=campaign,
        status=CaravanTripStatus.REPORTED,
    ).aggregate(trips=Count("id"), distance=Sum("distance_km"))
    return {
        "stops_open": stops_open,
        "stops_held": stops_held,
        "stop_audience": stop_audience,
        "trips_reported": trips["trips"],
        "trip_distance_km": trips["distance"] or 0,
        **_repair_figures(campaign, filters),
    }


def _repair_figures(campaign, filters):
    """Repair tickets of the campaign's exhibition sets, by the operator's province: two
    queries, whatever the data size.

    `repair_tickets_open`: tickets open or being diagnosed, split `repair_tickets_by_severity`
    and `repair_tickets_by_cause` (every code a key). `repair_faults_by_model`: tickets ever
    opened per exhibit model, most first (the ten designs that break most).
    `repair_mean_hours_to_resolve`: mean hours from opening to resolution of resolved tickets
    (null when none); within a date window, tickets opened in it.
    """
    tickets = RepairTicket.objects.filter(
        filters.in_provinces("exhibition_set__operator__province_id"),
        filters.during("opened_at"),
        exhibition_set__campaign=campaign,
    )
    by_severity = dict.fromkeys(RepairSeverity.values, 0)
    by_cause = dict.fromkeys(RepairCause.values, 0)
    by_model = {}
    rows = (
        tickets.values("status", "severity", "cause", "exhibit__model")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        by_model[row["exhibit__model"]] = by_model.get(row["exhibit__model"], 0) + row["n"]
        if row["status"] in REPAIR_OPEN_STATUSES:
            by_severity[row["severity"]] += row["n"]
            by_cause[row["cause"]] += row["n"]
    resolved = tickets.filter(status=RepairStatus.RESOLVED).values_list("opened_at", "resolved_at")
    seconds = [(done - opened).total_seconds() for opened, done in resolved]
    return {
        "repair_tickets_open": sum(by_severity.values()),
        "repair_tickets_by_severity": by_severity,
        "repair_tickets_by_cause": by_cause,
        "repair_mean_hours_to_resolve": (
            round(sum(seconds) / len(seconds) / 3600, 1) if seconds else None
        ),
        "repair_faults_by_model": [
            {"model": model, "count": count}
            for model, count in sorted(by_model.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
    }


# ---------------------------------------------------------------------------
# Per-facility figures (exports)
# ---------------------------------------------------------------------------


def facility_figures(*, campaign, filters=None):
    """One row per facility involved in the campaign, with the figures that concern it.

    A facility is involved when it applied to take part, requested or was allotted a kit of
    the campaign, or reported an activity. One query, streamed; the same date and province
    rules as `compute_campaign_stats`. Downloads are not split by facility: the daily
    roll-ups keep provinces, not facilities.
    """
    filters = filters or StatsFilter()
    participations = Participation.objects.filter(
        campaign=campaign, facility=OuterRef("pk")
    ).order_by()
    requests = KitRequest.objects.filter(kit__campaign=campaign, facility=OuterRef("pk"))
    activities = Activity.objects.filter(campaign=campaign, facility=OuterRef("pk")).exclude(
        status=ActivityStatus.REJECTED
    )

    def total(queryset, expression):
        return Coalesce(
            Subquery(
                queryset.values("facility").annotate(value=expression).values("value").order_by()
            ),
            Value(0),
        )

    queryset = (
        Facility.objects.filter(filters.in_provinces("province_id"))
        .filter(Exists(participations) | Exists(requests) | Exists(activities))
        .annotate(
            participation_status=Subquery(participations.values("status")[:1]),
            flag_awarded_at=Subquery(participations.values("flag_awarded_at")[:1]),
            requests_made=total(requests.filter(filters.during("created_at")), Count("id")),
            units_shipped=total(
                requests.filter(Q(status__in=SHIPPED_STATUSES) & filters.during("shipped_at")),
                Sum("quantity"),
            ),
            units_received=total(
                requests.filter(
                    Q(status=KitRequestStatus.RECEIVED) & filters.during("received_at")
                ),
                Sum(Coalesce("quantity_received", "quantity")),
            ),
            activities_reported=total(activities.filter(filters.during("starts_at")), Count("id")),
            audience_total=total(
                activities.filter(filters.during("starts_at"), status=ActivityStatus.VERIFIED),
                Sum("audience_count"),
            ),
        )
        .values(
            "id",
            "name",
            "kind",
            "level",
            "province_id",
            "province__name",
            "region_id",
            "region__name",
            "participation_status",
            "flag_awarded_at",
            "requests_made",
            "units_shipped",
            "units_received",
            "activities_reported",
            "audience_total",
        )
        .order_by("province_id", "region_id", "name", "id")
    )
    for row in queryset.iterator(chunk_size=1000):
        row["grassroots_reached"] = bool(
            row["level"] == FacilityLevel.COUNTY and row["units_received"]
        )
        yield row


# ---------------------------------------------------------------------------
# Cache versions
# ---------------------------------------------------------------------------


def _new_version():
    return time_module.time_ns()


def _cache_key(campaign_id, filters):
    campaign_key = campaign_version_key(campaign_id)
    versions = cache.get_many([GLOBAL_VERSION_KEY, campaign_key])
    for key in (GLOBAL_VERSION_KEY, campaign_key):
        if key not in versions:
            # A fresh token (never a reused number), so an evicted version key can never make
            # older cached figures reachable again.
            cache.add(key, _new_version(), None)
            versions[key] = cache.get(key)
    global_version, campaign_version = versions[GLOBAL_VERSION_KEY], versions[campaign_key]
    # Names of unknown provinces are translated, so each language has its own entry.
    return (
        f"campaign-stats:{campaign_id}:{global_version}:{campaign_version}:"
        f"{filters.cache_fragment()}:{get_language()}"
    )


def stats_cache_key(campaign_id, filters):
    """The versioned cache key of figures of a campaign (coverage caches under it too)."""
    return _cache_key(campaign_id, filters)


def bump_stats_version(campaign_id=None):
    """Make the cached figures of one campaign (or of all, with None) stale at once.

    Callers that change data with bulk operations (which send no signals) call this.
    """
    key = campaign_version_key(campaign_id) if campaign_id else GLOBAL_VERSION_KEY
    cache.set(key, _new_version(), None)


def figures_changed(campaign_id=None):
    """The data behind a campaign's figures (all campaigns' with None) has just changed.

    Bumps now, so the next read in this transaction sees the change, and again after the
    commit, so figures computed meanwhile from not-yet-committed data are not kept.
    """
    bump_stats_version(campaign_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: bump_stats_version(campaign_id))
