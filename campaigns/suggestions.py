"""Where an exhibition set should go next: the counties of its operator's province, ranked.

The ranking, each step breaking the ties of the one before:

1. counties the campaign never reached come first;
2. then counties carrying more priority tags (their own and those of the prefecture and
   province above them);
3. then those reached longest ago;
4. then the nearest to the set's current stop (the open one) or else its last one (the
   closed stop that ended last), by great-circle distance between county centre points;
   a county without a centre point comes after those with one.

Counties where the set already has a planned or open stop are left out. The work is a constant
number of queries: the coverage of the province (the region tree and one aggregate per reaching
source), one for the tags and one for the set's stops.
"""

import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.models import TourStop, TourStopStatus
from facilities.models import RegionTag, RegionTagAssignment

from .coverage import SOURCES, Coverage
from .maps import county_centres
from .stats import StatsFilter

DEFAULT_COUNT = 5
MAX_COUNT = 50
EARTH_RADIUS_KM = 6371.0088

# The score orders exactly like the ranking: each step gets its own band of digits.
NEVER_REACHED_POINTS = 10**12
TAG_POINTS = 10**9  # per tag, at most 999 tags counted
DAY_POINTS = 10**4  # per day since last reached, at most 99,999 days counted
DISTANCE_BAND_KM = 9_999  # nearer scores more; unknown distance scores nothing


def great_circle_km(first, second):
    """Distance in km between two (longitude, latitude) points, by the haversine formula."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*first, *second))
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass
class Candidate:
    code: str
    name: str
    reached: bool
    last_reached_on: object  # date, or None when never reached or reached on no known day
    tags: list  # labels, in code order
    distance_km: float | None

    def score(self, today):
        never = not self.reached
        days = max(0, (today - self.last_reached_on).days) if self.last_reached_on else 0
        nearness = 0
        if self.distance_km is not None:
            nearness = DISTANCE_BAND_KM - min(round(self.distance_km), DISTANCE_BAND_KM - 1)
        return (
            NEVER_REACHED_POINTS * never
            + TAG_POINTS * min(len(self.tags), 999)
            + DAY_POINTS * min(days, 99_999)
            + nearness
        )


def _months_between(earlier, later):
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def _reasons(candidate, today, stop_kind):
    reasons = []
    if not candidate.reached:
        reasons.append(_("never reached by this campaign"))
    for label in candidate.tags:
        reasons.append(_("priority: %(tag)s") % {"tag": label})
    if candidate.last_reached_on is not None:
        months = _months_between(candidate.last_reached_on, today)
        if months >= 1:
            reasons.append(
                ngettext(
                    "last reached %(count)d month ago",
                    "last reached %(count)d months ago",
                    months,
                )
                % {"count": months}
            )
        elif candidate.last_reached_on >= today:
            reasons.append(_("reached today"))
        else:
            days = (today - candidate.last_reached_on).days
            reasons.append(
                ngettext("last reached %(count)d day ago", "last reached %(count)d days ago", days)
                % {"count": days}
            )
    if candidate.distance_km is not None:
        km = round(candidate.distance_km)
        if stop_kind == "current":
            reasons.append(_("%(km)d km from the current stop") % {"km": km})
        else:
            reasons.append(_("%(km)d km from the last stop") % {"km": km})
    return reasons


def _set_stops(exhibition_set):
    """(counties to leave out, the county of the current or last stop and which it is)."""
    busy = set()
    current = last = None
    for region_id, status, ends_on in TourStop.objects.filter(
        exhibition_set=exhibition_set,
        status__in=(TourStopStatus.PLANNED, TourStopStatus.OPEN, TourStopStatus.CLOSED),
    ).values_list("region_id", "status", "ends_on"):
        if status in (TourStopStatus.PLANNED, TourStopStatus.OPEN):
            busy.add(region_id)
        if status == TourStopStatus.OPEN:
            current = region_id
        elif status == TourStopStatus.CLOSED and (last is None or ends_on > last[1]):
            last = (region_id, ends_on)
    if current is not None:
        return busy, current, "current"
    if last is not None:
        return busy, last[0], "last"
    return busy, None, None


def _tag_labels(codes):
    """{region code: [(tag code, tag label)]} for the regions given."""
    labels = {}
    for region_id, code, name, name_en in (
        RegionTagAssignment.objects.filter(region_id__in=codes)
        .values_list("region_id", "tag__code", "tag__name", "tag__name_en")
        .order_by("tag__code")
    ):
        labels.setdefault(region_id, []).append(
            (code, RegionTag(code=code, name=name, name_en=name_en).label)
        )
    return labels


def suggested_stops(*, campaign, exhibition_set, count=DEFAULT_COUNT, today=None, centres=None):
    """The counties of the set's operator's province ranked for its next stop, best first:
    `[{code, name, score, reasons}]`, at most `count` of them.

    Never counts a county where the set has a planned or open stop; a constant number of
    queries whatever the size of the province or the number of records.
    """
    today = today or timezone.localdate()
    centres = county_centres() if centres is None else centres
    province_code = exhibition_set.operator.province_id
    coverage = Coverage(
        campaign=campaign,
        filters=StatsFilter(provinces=(province_code,)),
        sources=[source for source in SOURCES if source.reaches],
        with_tags=False,
    )
    busy, origin, stop_kind = _set_stops(exhibition_set)
    origin_point = centres.get(origin) if origin else None
    counties = [
        node
        for code, node in coverage.tree.nodes.items()
        if node.is_county and code[:2] == province_code[:2] and code not in busy
    ]
    labels = _tag_labels(
        {ancestor for node in counties for ancestor in coverage.tree.lineage(node.code)}
    )
    candidates = []
    for node in counties:
        tags = {}
        for ancestor in coverage.tree.lineage(node.code):
            tags.update(labels.get(ancestor, ()))
        point = centres.get(node.code)
        distance = (
            great_circle_km(origin_point, point) if origin_point and point is not None else None
        )
        candidates.append(
            Candidate(
                code=node.code,
                name=node.name,
                reached=node.code in coverage.reached,
                last_reached_on=coverage.last_reached_on.get(node.code),
                tags=[tags[code] for code in sorted(tags)],
                distance_km=distance,
            )
        )
    ranked = sorted(candidates, key=lambda c: (-c.score(today), c.code))[:count]
    return [
        {
            "code": c.code,
            "name": c.name,
            "score": c.score(today),
            "reasons": _reasons(c, today, stop_kind),
        }
        for c in ranked
    ]
