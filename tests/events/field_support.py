"""A small world for the field-work tests: two provinces, a mobile museum with a set, a host,
a caravan, and one user per role."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from facilities.models import FacilityKind, MembershipRole, RegionLevel
from resources.models import Exhibit, ExhibitionSet
from tests import factories


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


@dataclass
class FieldWorld:
    campaign: object
    province: object
    prefecture: object
    county: object
    other_county: object
    far_county: object
    museum: object  # operator of the set, province A
    host: object  # a county facility of province A that receives stops
    caravan: object  # province A
    far_museum: object  # province B
    exhibition_set: object
    staff: object  # of the museum
    host_staff: object
    caravan_staff: object
    far_staff: object
    coordinator: object  # of province A
    far_coordinator: object  # of province B
    admin: object
    outsider: object


def build_field_world(exhibits=3):
    province, prefecture, county = factories.region_tree("230000", "黑龙江省")
    other_county = factories.RegionFactory(
        code="231121", name="嫩江县", level=RegionLevel.COUNTY, parent=prefecture
    )
    far_province, _, far_county = factories.region_tree("440000", "广东省")
    campaign = factories.CampaignFactory()
    museum = factories.FacilityFactory(name="黑龙江省科技馆", region=county)
    host = factories.FacilityFactory(
        name="嫩江县科技馆", region=other_county, kind=FacilityKind.SCIENCE_CENTER
    )
    caravan = factories.FacilityFactory(
        name="黑河科普大篷车", region=county, kind=FacilityKind.CARAVAN
    )
    far_museum = factories.FacilityFactory(name="广东流动科技馆", region=far_county)
    exhibition_set = ExhibitionSet.objects.create(
        code="HLJ-01", name="健康生活展", operator=museum, theme="健康", campaign=campaign
    )
    Exhibit.objects.bulk_create(
        Exhibit(exhibition_set=exhibition_set, code=f"E{n:02d}", name=f"展品 {n}", model=f"M-{n}")
        for n in range(exhibits)
    )

    def member(facility, username, role=MembershipRole.STAFF):
        return factories.MembershipFactory(
            facility=facility, role=role, user__username=username
        ).user

    return FieldWorld(
        campaign=campaign,
        province=province,
        prefecture=prefecture,
        county=county,
        other_county=other_county,
        far_county=far_county,
        museum=museum,
        host=host,
        caravan=caravan,
        far_museum=far_museum,
        exhibition_set=exhibition_set,
        staff=member(museum, "museum-staff"),
        host_staff=member(host, "host-staff"),
        caravan_staff=member(caravan, "caravan-staff"),
        far_staff=member(far_museum, "far-staff"),
        coordinator=factories.CoordinatorFactory(province=province, user__username="coord").user,
        far_coordinator=factories.CoordinatorFactory(
            province=far_province, user__username="far-coord"
        ).user,
        admin=factories.AdminFactory(username="field-admin"),
        outsider=factories.UserFactory(username="outsider"),
    )


def stop_payload(world, starts_on, ends_on, **extra):
    payload = {
        "exhibition_set": world.exhibition_set.pk,
        "region": world.other_county.code,
        "venue": "嫩江县体育馆",
        "venue_area_m2": 400,
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
    }
    payload.update(extra)
    return payload
