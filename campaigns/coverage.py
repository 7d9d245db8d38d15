"""Coverage of counties: which counties a campaign reached, by province, prefecture and county.

One computation answers the API (`GET /api/v1/campaigns/{slug}/coverage/`), the map pages, the
county export and the stats' `counties_reached` / `counties_total`.

How it is built: each *source* is one aggregate query returning one row per region where
something of the campaign happened there — `{region_id, count, audience, last}` — and a flag
saying whether it *reaches* a county. The rows are then summed over the region tree (one query
for the whole tree, about 3,200 rows) in Python. So the number of queries is the number of
sources plus two (tree, tags), whatever the number of provinces, counties or records.

A county is reached when a reaching source has a row for it: a kit of the campaign was received
by a facility of that county, or a verified activity of the campaign took place there (and,
a tour stop was held there (open or closed), or a reported caravan trip went there). Downloads are
shown per region but never reach a county: a download says nothing about anyone going there.
Rows of a region above county level (a prefecture-level facility's kits) count in that
region's figures but reach no county. Grouping rows (`is_grouping`, e.g. 110100 市辖区) are
never counties; a county is a `county`-level row.

Adding a source: write a function `(campaign, filters) -> iterable of {region_id, count,
audience, last}` and append a `Source` to SOURCES naming the response field it fills; nothing
else changes.

Figures per region: `facilities` (approved participants located there), `kits_received`
(received kit requests), `activities` (verified ones), `audience` (of the reaching sources),
`downloads`, `stops` (held ones) and `trips` (reported ones), `last_reached_on` (the latest
day a county of the region was reached) and `tags` (the region's own tags).

With a priority tag, only the counties carrying it (on themselves or on a prefecture or
province above them) count, and every figure sums over those counties only.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Least
from django.utils import timezone

from events.models import (
    Activity,
    ActivityStatus,
    CaravanTrip,
    CaravanTripStatus,
    TourStop,
    TourStopStatus,
)
from facilities.models import Region, RegionLevel, RegionTagAssignment
from resources.models import DownloadEvent, KitRequest, KitRequestStatus

from .models import Participation, ParticipationStatus

FIGURES = ("facilities", "stops", "trips", "kits_received", "downloads", "activities", "audience")
LEVEL_ORDER = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}


# ---------------------------------------------------------------------------
# Sources: one aggregate query each, one row per region
# ---------------------------------------------------------------------------


def region_in_provinces(filters, field_name):
    """Rows whose region `field_name` lies in one of the filter's provinces (by code prefix)."""
    if not filters or not filters.provinces:
        return Q()
    return reduce(or_, (Q(**{f"{field_name}__startswith": code[:2]}) for code in filters.provinces))


def received_kits(campaign, filters):
    """Kit requests of the campaign's kits received by a facility, by the facility's region."""
    return (
        KitRequest.objects.filter(
            region_in_provinces(filters, "facility__region__code"),
            filters.during("received_at"),
            kit__campaign=campaign,
            status=KitRequestStatus.RECEIVED,
        )
        .values(region_id=F("facility__region_id"))
        .annotate(
            count=Count("id"),
            audience=Value(0, output_field=IntegerField()),
            last=Max("received_at"),
        )
        .order_by()
    )


def verified_activities(campaign, filters):
    """Verified activities of the campaign, by where they took place."""
    return (
        Activity.objects.filter(
            region_in_provinces(filters, "region__code"),
            filters.during("starts_at"),
            campaign=campaign,
            status=ActivityStatus.VERIFIED,
        )
        .values("region_id")
        .annotate(count=Count("id"), audience=Sum("audience_count"), last=Max("starts_at"))
        .order_by()
    )


def held_stops(campaign, filters):
    """Open or closed tour stops of the campaign, by their county; the audience is the stored
    sum of their attendance, and an open stop reaches its county up to today."""
    today = timezone.localdate()
    return (
        TourStop.objects.filter(
            region_in_provinces(filters, "region__code"),
            Q(ends_on__gte=filters.date_from) if filters.date_from else Q(),
            Q(starts_on__lte=filters.date_to) if filters.date_to else Q(),
            campaign=campaign,
            status__in=(TourStopStatus.OPEN, TourStopStatus.CLOSED),
        )
        .values("region_id")
        .annotate(
            count=Count("id"),
            audience=Sum("audience_total"),
            last=Max(Least("ends_on", Value(today))),
        )
        .order_by()
    )


def reported_trips(campaign, filters):
    """Reported caravan trips of the campaign, by the county they went to."""
    return (
        CaravanTrip.objects.filter(
            region_in_provinces(filters, "region__code"),
            filters.on_days("starts_on"),
            campaign=campaign,
            status=CaravanTripStatus.REPORTED,
        )
        .values("region_id")
        .annotate(count=Count("id"), audience=Sum("audience_total"), last=Max("ends_on"))
        .order_by()
    )


def resource_downloads(campaign, filters):
    """Downloads of the campaign's resources, by the downloading facility's region.

    A download without a region but with a province counts for the province; anonymous ones
    are in no region at all.
    """
    rows = (
        DownloadEvent.objects.filter(
            region_in_provinces(filters, "province_code"),
            filters.during("created_at"),
            resource__campaign=campaign,
        )
        .exclude(province_code="", region__isnull=True)
        .values("region_id", "province_code")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        yield {
            "region_id": row["region_id"] or row["province_code"],
            "count": row["count"],
            "audience": 0,
            "last": None,
        }


def participating_facilities(campaign, filters):
    """Approved participants of the campaign, by the facility's region."""
    return (
        Participation.objects.filter(
            region_in_provinces(filters, "facility__region__code"),
            campaign=campaign,
            status=ParticipationStatus.APPROVED,
        )
        .values(region_id=F("facility__region_id"))
        .annotate(
            count=Count("id"),
            audience=Value(0, output_field=IntegerField()),
            last=Value(None, output_field=IntegerField()),
        )
        .order_by()
    )


@dataclass(frozen=True)
class Source:
    figure: str  # the response field this source fills
    rows: Callable  # (campaign, filters) -> iterable of {region_id, count, audience, last}
    reaches: bool  # whether a row makes its county reached


SOURCES = (
    Source("stops", held_stops, reaches=True),
    Source("trips", reported_trips, reaches=True),
    Source("kits_received", received_kits, reaches=True),
    Source("activities", verified_activities, reaches=True),
    Source("downloads", resource_downloads, reaches=False),
    Source("facilities", participating_facilities, reaches=False),
)


# ---------------------------------------------------------------------------
# The tree and the sums over it
# ---------------------------------------------------------------------------


@dataclass
class RegionNode:
    code: str
    name: str
    level: str
    parent: str | None
    is_county: bool
    tags: list = field(default_factory=list)


class RegionTree:
    """Every region in memory (one query), with its tags (one more, only when asked for)."""

    def __init__(self, *, with_tags=True):
        self.nodes = {
            code: RegionNode(
                code, name, level, parent, level == RegionLevel.COUNTY and not grouping
            )
            for code, name, level, parent, grouping in Region.objects.values_list(
                "code", "name", "level", "parent_id", "is_grouping"
            ).order_by("code")
        }
        if with_tags:
            for region_id, tag_code in (
                RegionTagAssignment.objects.values_list("region_id", "tag__code")
                .order_by("region_id", "tag__code")
                .iterator()
            ):
                if region_id in self.nodes:
                    self.nodes[region_id].tags.append(tag_code)

    def lineage(self, code):
        """The region and its ancestors, nearest first."""
        while code is not None and code in self.nodes:
            yield code
            code = self.nodes[code].parent

    def carries(self, code, tag):
        return any(tag in self.nodes[ancestor].tags for ancestor in self.lineage(code))


def _local_date(value):
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


class Coverage:
    """The figures of every region for one campaign; `rows()` lists one level of them."""

    def __init__(self, *, campaign, filters=None, tag=None, sources=SOURCES, with_tags=True):
        from .stats import StatsFilter

        self.filters = filters or StatsFilter()
        self.tag = tag
        self.tree = RegionTree(with_tags=with_tags or tag is not None)
        nodes = self.tree.nodes
        counted = {
            code
            for code, node in nodes.items()
            if node.is_county
            and (not self.filters.provinces or code[:2] + "0000" in self.filters.provinces)
            and (tag is None or self.tree.carries(code, tag))
        }
        # Plain dicts, so that the whole computation can be cached (pickled).
        self.figures = {}
        self.counties = {}
        self.reached = {}
        self.last_reached_on = {}
        reached_on = {}
        for source in sources:
            for row in source.rows(campaign, self.filters):
                code = row["region_id"]
                if code not in nodes or (tag is not None and code not in counted):
                    continue
                for ancestor in self.tree.lineage(code):
                    figures = self.figures.setdefault(ancestor, dict.fromkeys(FIGURES, 0))
                    figures[source.figure] += row["count"]
                    if source.reaches:
                        figures["audience"] += row["audience"] or 0
                if source.reaches and code in counted:
                    last = _local_date(row["last"])
                    previous = reached_on.get(code)
                    reached_on[code] = max(filter(None, (previous, last)), default=None)
        for code in counted:
            is_reached = code in reached_on
            last = reached_on.get(code)
            for ancestor in self.tree.lineage(code):
                self.counties[ancestor] = self.counties.get(ancestor, 0) + 1
                if is_reached:
                    self.reached[ancestor] = self.reached.get(ancestor, 0) + 1
                    if last and (self.last_reached_on.get(ancestor) or last) <= last:
                        self.last_reached_on[ancestor] = last

    def row(self, code):
        node = self.tree.nodes[code]
        return {
            "code": code,
            "name": node.name,
            "level": node.level,
            "counties": self.counties.get(code, 0),
            "counties_reached": self.reached.get(code, 0),
            **self.figures.get(code, dict.fromkeys(FIGURES, 0)),
            "last_reached_on": self.last_reached_on.get(code),
            "tags": list(node.tags),
        }

    def rows(self, *, level=RegionLevel.PROVINCE, parent=None):
        """The regions of `level` (below `parent` when given), in code order.

        With a tag, regions holding none of the tagged counties are left out.
        """
        prefix = ""
        if parent is not None:
            prefix = Region(code=parent, level=self.tree.nodes[parent].level).descendant_prefix()
        rows = []
        for code, node in self.tree.nodes.items():
            if node.level != level or not code.startswith(prefix) or code == parent:
                continue
            if self.filters.provinces and code[:2] + "0000" not in self.filters.provinces:
                continue
            if level == RegionLevel.COUNTY and not node.is_county:
                continue
            if self.tag is not None and not self.counties.get(code):
                continue
            rows.append(self.row(code))
        return rows


def summarize(rows):
    """`{counties, counties_reached, share}` over the regions listed (share from 0 to 1)."""
    counties = sum(row["counties"] for row in rows)
    reached = sum(row["counties_reached"] for row in rows)
    return {
        "counties": counties,
        "counties_reached": reached,
        "share": round(reached / counties, 4) if counties else 0,
    }


def cached_coverage(*, campaign, tag=None):
    """The campaign's Coverage from the stats cache, computed when missing or stale.

    Fresh after any change the stats signal (kits, activities, participations, facilities,
    tags); downloads, like in the stats, refresh with the expiry (STATS_CACHE_SECONDS).
    """
    from .stats import STATS_CACHE_SECONDS, StatsFilter, stats_cache_key

    key = f"{stats_cache_key(campaign.pk, StatsFilter())}:coverage:{tag or '-'}"
    coverage = cache.get(key)
    if coverage is None:
        coverage = Coverage(campaign=campaign, tag=tag)
        cache.set(key, coverage, STATS_CACHE_SECONDS)
    return coverage


def campaign_coverage(
    *, campaign, level=RegionLevel.PROVINCE, parent=None, tag=None, use_cache=False
):
    """The answer of the coverage API: `{summary, results}`."""
    if use_cache:
        coverage = cached_coverage(campaign=campaign, tag=tag)
    else:
        coverage = Coverage(campaign=campaign, tag=tag)
    rows = coverage.rows(level=level, parent=parent)
    return {"summary": summarize(rows), "results": rows}


def county_counts(*, campaign, filters=None):
    """(counties reached, counties in total) for the stats: reaching sources only."""
    coverage = Coverage(
        campaign=campaign,
        filters=filters,
        sources=[source for source in SOURCES if source.reaches],
        with_tags=False,
    )
    summary = summarize(coverage.rows(level=RegionLevel.PROVINCE))
    return summary["counties_reached"], summary["counties"]
