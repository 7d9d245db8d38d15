"""A small hand-built region tree and what happened in it, for the coverage tests."""

import datetime

from django.utils import timezone

from events.models import ActivityStatus
from facilities.models import RegionLevel, RegionTag, RegionTagAssignment
from resources.models import DownloadEvent, KitRequestStatus
from tests import factories

TZ = timezone.get_default_timezone()


def at(day, hour=10):
    return datetime.datetime(2022, 9, day, hour, tzinfo=TZ)


def region(code, name, level, parent=None, grouping=False):
    return factories.RegionFactory(
        code=code, name=name, level=level, parent=parent, is_grouping=grouping
    )


def tag(code):
    """A priority tag; the migration creates the programme's four, but a flushed database
    (after a live-server test) has none."""
    return RegionTag.objects.get_or_create(code=code, defaults={"name": code, "name_en": code})[0]


class Data:
    """Two provinces, one with a grouping layer, and what happened in their counties.

    Heilongjiang 230000: Heihe 231100 (Aihui 231102 border, Xunke 231123 border, Sunwu
    231124), Harbin 230100 (Daoli 230102). Beijing 110000: 110100 grouping → Dongcheng 110101,
    Xicheng 110102. Counties: 6.
    """

    def __init__(self):
        self.hlj = region("230000", "黑龙江省", RegionLevel.PROVINCE)
        self.heihe = region("231100", "黑河市", RegionLevel.PREFECTURE, self.hlj)
        self.aihui = region("231102", "爱辉区", RegionLevel.COUNTY, self.heihe)
        self.xunke = region("231123", "逊克县", RegionLevel.COUNTY, self.heihe)
        self.sunwu = region("231124", "孙吴县", RegionLevel.COUNTY, self.heihe)
        self.harbin = region("230100", "哈尔滨市", RegionLevel.PREFECTURE, self.hlj)
        self.daoli = region("230102", "道里区", RegionLevel.COUNTY, self.harbin)
        self.bj = region("110000", "北京市", RegionLevel.PROVINCE)
        self.bj_group = region("110100", "北京市·市辖区", RegionLevel.PREFECTURE, self.bj, True)
        self.dongcheng = region("110101", "东城区", RegionLevel.COUNTY, self.bj_group)
        self.xicheng = region("110102", "西城区", RegionLevel.COUNTY, self.bj_group)
        border = tag("border")
        for county in (self.aihui, self.xunke):
            RegionTagAssignment.objects.create(region=county, tag=border)

        self.campaign = factories.CampaignFactory()
        other = factories.CampaignFactory(status="closed")
        kit = factories.KitFactory(campaign=self.campaign)
        other_kit = factories.KitFactory(campaign=other)

        def facility(where):
            return factories.FacilityFactory(region=where)

        aihui_unit, xunke_unit = facility(self.aihui), facility(self.xunke)
        heihe_unit, dongcheng_unit = facility(self.heihe), facility(self.dongcheng)
        sunwu_unit, daoli_unit = facility(self.sunwu), facility(self.daoli)
        for unit in (aihui_unit, xunke_unit, heihe_unit):
            factories.ParticipationFactory(campaign=self.campaign, facility=unit)

        def received(unit, day, status=KitRequestStatus.RECEIVED, kit_=kit):
            request = factories.KitRequestFactory(kit=kit_, facility=unit, status=status)
            request.received_at = at(day) if status == KitRequestStatus.RECEIVED else None
            request.save(update_fields=["received_at"])

        received(aihui_unit, 3)  # Aihui: reached by a kit on 3 Sept …
        received(aihui_unit, 5)  # … and another on 5 Sept
        received(heihe_unit, 4)  # a prefecture-level unit: counts in Heihe, reaches no county
        received(xunke_unit, 6, status=KitRequestStatus.SHIPPED)  # not received: no reach
        received(daoli_unit, 7, kit_=other_kit)  # another campaign's kit: nothing

        def activity(unit, where, day, status=ActivityStatus.VERIFIED, audience=100, campaign=None):
            factories.ActivityFactory(
                campaign=campaign or self.campaign,
                facility=unit,
                region=where,
                starts_at=at(day),
                status=status,
                audience_count=audience,
            )

        activity(xunke_unit, self.xunke, 8, audience=250)  # Xunke: reached by an activity
        activity(aihui_unit, self.aihui, 9, audience=40)  # Aihui: latest reach on 9 Sept
        activity(dongcheng_unit, self.dongcheng, 10, audience=75)  # Dongcheng reached
        activity(sunwu_unit, self.sunwu, 11, status=ActivityStatus.REPORTED)  # unverified
        activity(daoli_unit, self.daoli, 12, campaign=other)  # another campaign

        # Sunwu and Daoli are downloaded from, never reached; one province-only download.
        resource = factories.DigitalResourceFactory(campaign=self.campaign)
        for unit, count in ((sunwu_unit, 3), (daoli_unit, 2), (aihui_unit, 1)):
            for _ in range(count):
                DownloadEvent.objects.create(
                    resource=resource,
                    facility=unit,
                    region=unit.region,
                    province_code=unit.province_id,
                    channel="web",
                    created_at=at(13),
                )
        DownloadEvent.objects.create(
            resource=resource, province_code="230000", channel="api", created_at=at(13)
        )
        DownloadEvent.objects.create(resource=resource, channel="web", created_at=at(13))
