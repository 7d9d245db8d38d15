"""A known data set for the statistics tests, with every figure worked out by hand below.

Three provinces, facilities at all three levels, requests in every status, downloads on
several days (rolled up and not yet rolled up), activities in every status; plus noise from
another campaign that must never be counted.
"""

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext

from campaigns.models import ParticipationStatus
from events.models import ActivityKind, ActivityStatus
from facilities.models import FacilityKind, Region, RegionLevel
from resources.models import (
    DownloadChannel,
    DownloadDaily,
    DownloadEvent,
    KitRequestStatus,
    ResourceStatus,
)
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")

HEILONGJIANG = "230000"
JILIN = "220000"
LIAONING = "210000"


def local(year, month, day, hour=10, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def regions(code, name):
    """Province, prefecture, county regions of one province."""
    return factories.region_tree(code, name)


@dataclass
class KnownData:
    campaign: object
    other: object
    facilities: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    requests: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)


def build_known_data():
    campaign = factories.CampaignFactory(slug="health-2022", title="践行二十大 健康享未来")
    # An earlier joint action: the dashboard and the home page show the latest by default.
    other = factories.CampaignFactory(
        slug="other-campaign",
        starts_on=datetime.date(2021, 8, 1),
        ends_on=datetime.date(2021, 12, 31),
    )
    data = KnownData(campaign=campaign, other=other)

    hlj = regions(HEILONGJIANG, "黑龙江省")
    jl = regions(JILIN, "吉林省")
    ln = regions(LIAONING, "辽宁省")

    def facility(key, region, kind):
        data.facilities[key] = factories.FacilityFactory(
            name=f"设施 {key}", region=region, kind=kind
        )
        return data.facilities[key]

    # Heilongjiang: provincial, prefecture, two county facilities.
    facility("A1", hlj[0], FacilityKind.SCIENCE_CENTER)
    facility("A2", hlj[1], FacilityKind.MOBILE_MUSEUM)
    facility("A3", hlj[2], FacilityKind.CARAVAN)
    facility("A4", hlj[2], FacilityKind.MOBILE_MUSEUM)
    # Jilin: provincial and two county facilities.
    facility("B1", jl[0], FacilityKind.POPULARIZATION_CENTER)
    facility("B2", jl[2], FacilityKind.CARAVAN)
    facility("B3", jl[2], FacilityKind.CARAVAN)
    # Liaoning: a prefecture facility and a county one that never joined but received a kit.
    facility("C1", ln[1], FacilityKind.CARAVAN)
    facility("C2", ln[2], FacilityKind.MOBILE_MUSEUM)

    def participation(key, status, approved=None, flag=None):
        factories.ParticipationFactory(
            campaign=campaign,
            facility=data.facilities[key],
            status=status,
            approved_at=approved,
            flag_awarded_at=flag,
        )

    approved = ParticipationStatus.APPROVED
    participation("A1", approved, local(2022, 8, 26), flag=local(2022, 8, 26, 15))
    participation("A2", approved, local(2022, 8, 26), flag=local(2022, 8, 26, 15))
    participation("A3", approved, local(2022, 8, 26))
    participation("A4", ParticipationStatus.APPLIED)
    participation("B1", approved, local(2022, 8, 27))
    participation("B2", approved, local(2022, 8, 27))
    participation("B3", ParticipationStatus.WITHDRAWN)
    participation("C1", approved, local(2022, 9, 2), flag=local(2022, 9, 3))
    factories.ParticipationFactory(campaign=other, facility=data.facilities["A4"])

    kit1 = factories.KitFactory(campaign=campaign, quantity_total=100)
    kit2 = factories.KitFactory(campaign=campaign, quantity_total=100)
    kit_other = factories.KitFactory(campaign=other, quantity_total=100)

    def kit_request(key, kit, facility_key, quantity, status, shipped=None, received=None):
        request = factories.KitRequestFactory(
            kit=kit, facility=data.facilities[facility_key], quantity=quantity, status=status
        )
        request.shipped_at, request.received_at = shipped, received
        request.save(update_fields=["shipped_at", "received_at"])
        data.requests[key] = request

    S = KitRequestStatus
    kit_request(1, kit1, "A3", 2, S.RECEIVED, local(2022, 8, 28), local(2022, 8, 30))
    kit_request(2, kit2, "A3", 1, S.RECEIVED, local(2022, 8, 28), local(2022, 8, 30))
    kit_request(3, kit1, "A2", 3, S.RECEIVED, local(2022, 8, 28), local(2022, 8, 30))
    kit_request(4, kit1, "B2", 4, S.SHIPPED, local(2022, 9, 1))
    kit_request(5, kit1, "C2", 5, S.RECEIVED, local(2022, 9, 2), local(2022, 9, 3))
    kit_request(6, kit1, "A4", 1, S.SUBMITTED)
    kit_request(7, kit1, "B1", 2, S.APPROVED)
    kit_request(8, kit1, "B3", 1, S.REJECTED)
    kit_request(9, kit2, "C1", 6, S.CANCELLED)
    kit_request(10, kit_other, "B2", 9, S.RECEIVED, local(2022, 9, 1), local(2022, 9, 2))

    def resource(key, campaign_, status=ResourceStatus.PUBLISHED, published=None):
        data.resources[key] = factories.DigitalResourceFactory(
            title=f"资源 {key}",
            campaign=campaign_,
            status=status,
            published_at=published or local(2022, 8, 26),
        )
        return data.resources[key]

    r1 = resource("R1", campaign)
    r2 = resource("R2", campaign, published=local(2022, 9, 2))
    r3 = resource("R3", campaign, status=ResourceStatus.WITHDRAWN)
    r4 = resource("R4", other)
    resource("R5", None)

    daily = [
        (r1, datetime.date(2022, 9, 1), HEILONGJIANG, 10),
        (r1, datetime.date(2022, 9, 1), JILIN, 5),
        (r1, datetime.date(2022, 9, 2), HEILONGJIANG, 7),
        (r2, datetime.date(2022, 9, 2), "", 3),
        (r3, datetime.date(2022, 9, 3), LIAONING, 4),
        (r4, datetime.date(2022, 9, 1), HEILONGJIANG, 100),
    ]
    DownloadDaily.objects.bulk_create(
        DownloadDaily(resource=r, date=d, province_code=p, count=c) for r, d, p, c in daily
    )

    def event(resource_, at, province, rolled_up=False):
        return DownloadEvent(
            resource=resource_,
            province_code=province,
            channel=DownloadChannel.WEB,
            created_at=at,
            rolled_up=rolled_up,
        )

    now = timezone.now()
    DownloadEvent.objects.bulk_create(
        [
            # Not rolled up yet: 00:30 in Shanghai is still 3 September in UTC, but the local
            # day, like the roll-ups', is 4 September.
            event(r1, local(2022, 9, 4, 0, 30), JILIN),
            event(r2, now, HEILONGJIANG),
            event(r2, now, HEILONGJIANG),
            event(r4, now, HEILONGJIANG),
            # Already counted in the roll-up above: must not be counted twice.
            event(r1, local(2022, 9, 1), HEILONGJIANG, rolled_up=True),
        ]
    )

    def activity(key, facility_key, kind, status, audience, starts, campaign_=campaign):
        data.activities[key] = factories.ActivityFactory(
            campaign=campaign_,
            facility=data.facilities[facility_key],
            kind=kind,
            status=status,
            audience_count=audience,
            starts_at=starts,
        )

    K, V = ActivityKind, ActivityStatus
    activity("a1", "A1", K.SCIENCE_SHOW, V.VERIFIED, 300, local(2022, 8, 26))
    activity("a2", "A3", K.ROBOT_SHOW, V.VERIFIED, 150, local(2022, 9, 2))
    activity("a3", "B2", K.HEALTH_CARNIVAL, V.REPORTED, 1000, local(2022, 9, 3))
    activity("a4", "C1", K.LECTURE, V.REJECTED, 500, local(2022, 9, 3))
    activity("a5", "A2", K.LAUNCH_CEREMONY, V.VERIFIED, 2000, local(2022, 8, 26))
    activity("o1", "A1", K.SCIENCE_SHOW, V.VERIFIED, 999, local(2022, 9, 2), campaign_=other)
    return data


def unknown():
    return gettext("No province (anonymous downloads)")


def today_local():
    return timezone.localdate()


def expected_figures():
    """Every figure of the known data set, worked out by hand (no filter)."""
    today = today_local().isoformat()
    return {
        "facilities_participating": 6,  # A1 A2 A3 B1 B2 C1
        "facilities_by_kind": {
            "mobile_museum": 1,  # A2
            "caravan": 3,  # A3 B2 C1
            "science_center": 1,  # A1
            "popularization_center": 1,  # B1
            "other": 0,
        },
        "facilities_by_province": [
            {"province": HEILONGJIANG, "name": "黑龙江省", "count": 3},
            {"province": JILIN, "name": "吉林省", "count": 2},
            {"province": LIAONING, "name": "辽宁省", "count": 1},
        ],
        "flags_awarded": 3,  # A1 A2 C1
        "kit_requests": {
            "submitted": 1,
            "approved": 1,
            "rejected": 1,
            "shipped": 1,
            "received": 4,  # 1 2 3 5 (10 is another campaign's kit)
            "cancelled": 1,
        },
        "kits_units_shipped": 2 + 1 + 3 + 4 + 5,
        "grassroots_facilities_reached": 2,  # A3 (twice) and C2; A2 is a prefecture unit
        "digital_resources_published": 2,  # R1 R2 (R3 withdrawn, R4 elsewhere, R5 none)
        "downloads_total": 10 + 5 + 7 + 3 + 4 + 1 + 2,
        "downloads_by_province": [
            {"province": HEILONGJIANG, "name": "黑龙江省", "count": 10 + 7 + 2},
            {"province": JILIN, "name": "吉林省", "count": 5 + 1},
            {"province": LIAONING, "name": "辽宁省", "count": 4},
            {"province": None, "name": unknown(), "count": 3},
        ],
        "downloads_by_day": [
            {"date": "2022-09-01", "count": 15},
            {"date": "2022-09-02", "count": 10},
            {"date": "2022-09-03", "count": 4},
            {"date": "2022-09-04", "count": 1},
            {"date": today, "count": 2},
        ],
        "activities_reported": 4,  # a1 a2 a3 a5
        "activities_verified": 3,  # a1 a2 a5
        "audience_total": 300 + 150 + 2000,
        "activities_by_kind": {
            "launch_ceremony": 1,
            "science_show": 1,
            "robot_show": 1,
            "health_carnival": 1,
            "lecture": 0,
            "exhibition": 0,
            "workshop": 0,
            "other": 0,
        },
    }


def expected_by_province():
    return [
        {
            "province": HEILONGJIANG,
            "name": "黑龙江省",
            "facilities_participating": 3,
            "flags_awarded": 2,
            "kit_requests": 4,  # 1 2 3 6
            "kits_units_shipped": 2 + 1 + 3,
            "grassroots_facilities_reached": 1,
            "downloads": 19,
            "activities_reported": 3,
            "audience_total": 2450,
        },
        {
            "province": JILIN,
            "name": "吉林省",
            "facilities_participating": 2,
            "flags_awarded": 0,
            "kit_requests": 3,  # 4 7 8
            "kits_units_shipped": 4,
            "grassroots_facilities_reached": 0,
            "downloads": 6,
            "activities_reported": 1,
            "audience_total": 0,
        },
        {
            "province": LIAONING,
            "name": "辽宁省",
            "facilities_participating": 1,
            "flags_awarded": 1,
            "kit_requests": 2,  # 5 9
            "kits_units_shipped": 5,
            "grassroots_facilities_reached": 1,
            "downloads": 4,
            "activities_reported": 0,
            "audience_total": 0,
        },
        {
            "province": None,
            "name": unknown(),
            "facilities_participating": 0,
            "flags_awarded": 0,
            "kit_requests": 0,
            "kits_units_shipped": 0,
            "grassroots_facilities_reached": 0,
            "downloads": 3,
            "activities_reported": 0,
            "audience_total": 0,
        },
    ]


def build_provinces(campaign, first, count):
    """`count` provinces' worth of data (numbered from `first`), in bulk: for query counts."""
    from events.models import Activity
    from facilities.models import Facility
    from resources.models import KitRequest

    kit = factories.KitFactory(campaign=campaign, quantity_total=10_000)
    resource = factories.DigitalResourceFactory(campaign=campaign)
    facilities = []
    for number in range(first, first + count):
        code = f"{number:02d}0000"
        province = Region.objects.create(code=code, name=f"省 {number}", level=RegionLevel.PROVINCE)
        prefecture = Region.objects.create(
            code=f"{number:02d}0100", name=f"市 {number}", level="prefecture", parent=province
        )
        county = Region.objects.create(
            code=f"{number:02d}0101", name=f"县 {number}", level="county", parent=prefecture
        )
        for region, level in (
            (province, "provincial"),
            (prefecture, "prefecture"),
            (county, "county"),
        ):
            facilities.append(
                Facility(
                    name=f"设施 {region.code}",
                    kind=FacilityKind.CARAVAN,
                    level=level,
                    status="approved",
                    region=region,
                    province=province,
                )
            )
    facilities = Facility.objects.bulk_create(facilities)
    from campaigns.models import Participation

    Participation.objects.bulk_create(
        Participation(campaign=campaign, facility=f, status=ParticipationStatus.APPROVED)
        for f in facilities
    )
    KitRequest.objects.bulk_create(
        KitRequest(kit=kit, facility=f, quantity=1, status=KitRequestStatus.RECEIVED)
        for f in facilities
    )
    Activity.objects.bulk_create(
        Activity(
            campaign=campaign,
            facility=f,
            kind=ActivityKind.LECTURE,
            title="讲座",
            starts_at=local(2022, 9, 1),
            region=f.region,
            audience_count=10,
            status=ActivityStatus.VERIFIED,
        )
        for f in facilities
    )
    codes = sorted({f.province_id for f in facilities})
    DownloadDaily.objects.bulk_create(
        DownloadDaily(
            resource=resource, date=datetime.date(2022, 9, day), province_code=code, count=day
        )
        for code in codes
        for day in range(1, 4)
    )
    DownloadEvent.objects.bulk_create(
        DownloadEvent(
            resource=resource, province_code=code, channel="web", created_at=timezone.now()
        )
        for code in codes
    )
    return facilities
