"""A world for the allotment tests: a kit of 20, three provinces, coordinators of two."""

from dataclasses import dataclass

from facilities.models import MembershipRole
from resources.models import Allotment, Kit
from tests import factories


@dataclass
class AllotmentWorld:
    kit: Kit
    province_a: object  # allotment of 10
    province_b: object  # allotment of 5
    province_c: object  # no allotment
    facility_a: object
    facility_b: object
    facility_c: object
    staff_a: object
    staff_c: object
    coordinator_a: object
    coordinator_b: object
    coordinator_c: object
    admin: object


def build_allotment_world(*, total=20, allot_a=10, allot_b=5, allot=True):
    from resources.services.allotments import allot as allot_units

    province_a, _, county_a = factories.region_tree("230000", "黑龙江省")
    province_b, _, county_b = factories.region_tree("440000", "广东省")
    province_c, _, county_c = factories.region_tree("620000", "甘肃省")
    facility_a = factories.FacilityFactory(name="黑河流动科技馆", region=county_a)
    facility_b = factories.FacilityFactory(name="韶关流动科技馆", region=county_b)
    facility_c = factories.FacilityFactory(name="定西科普大篷车", region=county_c)
    staff_a = factories.MembershipFactory(
        facility=facility_a, role=MembershipRole.STAFF, user__username="staff-a"
    ).user
    staff_c = factories.MembershipFactory(
        facility=facility_c, role=MembershipRole.STAFF, user__username="staff-c"
    ).user
    coordinator_a = factories.CoordinatorFactory(province=province_a, user__username="coord-a").user
    coordinator_b = factories.CoordinatorFactory(province=province_b, user__username="coord-b").user
    coordinator_c = factories.CoordinatorFactory(province=province_c, user__username="coord-c").user
    admin = factories.AdminFactory(username="admin")
    kit = factories.KitFactory(code="HEALTH-01", name="健康生活展板", quantity_total=total)
    if allot:
        allot_units(kit=kit, province=province_a, quantity=allot_a, by=admin)
        allot_units(kit=kit, province=province_b, quantity=allot_b, by=admin)
    kit.refresh_from_db()
    return AllotmentWorld(
        kit=kit,
        province_a=province_a,
        province_b=province_b,
        province_c=province_c,
        facility_a=facility_a,
        facility_b=facility_b,
        facility_c=facility_c,
        staff_a=staff_a,
        staff_c=staff_c,
        coordinator_a=coordinator_a,
        coordinator_b=coordinator_b,
        coordinator_c=coordinator_c,
        admin=admin,
    )


def allotment_of(world, province):
    return Allotment.objects.get(kit=world.kit, province=province)
