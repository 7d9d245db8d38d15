"""A small world for the kit tests: two provinces, three facilities, one user per role."""

from dataclasses import dataclass

from django.db import transaction

from facilities.models import MembershipRole
from resources.models import Allotment, Kit, KitRequest, KitRequestStatus
from resources.services.kits import record_transition, reserve_units
from tests import factories


@dataclass
class World:
    kit: Kit
    facility: object  # approved, province A: the requesting facility
    neighbour: object  # another facility of province A
    faraway: object  # a facility of province B
    staff: object
    manager: object
    neighbour_staff: object
    faraway_staff: object
    coordinator: object  # of province A
    other_coordinator: object  # of province B
    admin: object
    outsider: object

    def user(self, role):
        return getattr(self, role)


def build_world(kit_total=20, allotment_a=None):
    """`allotment_a` units of the kit allotted to province A, so that its coordinator may
    approve (API.md: coordinators approve only within their province's allotment)."""
    province_a, _, county_a = factories.region_tree("230000", "黑龙江省")
    province_b, _, county_b = factories.region_tree("440000", "广东省")
    facility = factories.FacilityFactory(name="黑河流动科技馆", region=county_a)
    neighbour = factories.FacilityFactory(name="绥化科普大篷车", region=county_a)
    faraway = factories.FacilityFactory(name="韶关流动科技馆", region=county_b)
    staff = factories.MembershipFactory(
        facility=facility, role=MembershipRole.STAFF, user__username="staff"
    ).user
    manager = factories.MembershipFactory(
        facility=facility, role=MembershipRole.MANAGER, user__username="manager"
    ).user
    neighbour_staff = factories.MembershipFactory(
        facility=neighbour, user__username="neighbour"
    ).user
    faraway_staff = factories.MembershipFactory(facility=faraway, user__username="faraway").user
    coordinator = factories.CoordinatorFactory(
        province=province_a, user__username="coordinator"
    ).user
    other_coordinator = factories.CoordinatorFactory(
        province=province_b, user__username="other-coordinator"
    ).user
    admin = factories.AdminFactory(username="admin")
    outsider = factories.UserFactory(username="outsider")
    kit = factories.KitFactory(code="HEALTH-01", name="健康生活展板", quantity_total=kit_total)
    if allotment_a:
        Allotment.objects.create(kit=kit, province=province_a, quantity=allotment_a)
        Kit.objects.filter(pk=kit.pk).update(
            quantity_allotted=allotment_a, quantity_allotted_left=allotment_a
        )
        kit.refresh_from_db()
    return World(
        kit=kit,
        facility=facility,
        neighbour=neighbour,
        faraway=faraway,
        staff=staff,
        manager=manager,
        neighbour_staff=neighbour_staff,
        faraway_staff=faraway_staff,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        admin=admin,
        outsider=outsider,
    )


HOLDING = {KitRequestStatus.APPROVED, KitRequestStatus.SHIPPED, KitRequestStatus.RECEIVED}


def request_in_status(world, status, quantity=1, facility=None):
    """A request already in `status`, with the stock it would hold taken from the kit."""
    with transaction.atomic():
        kit_request = factories.KitRequestFactory(
            kit=world.kit,
            facility=facility or world.facility,
            quantity=quantity,
            status=status,
            created_by=world.staff,
            carrier="顺丰"
            if status in (KitRequestStatus.SHIPPED, KitRequestStatus.RECEIVED)
            else "",
        )
        record_transition(kit_request, "", KitRequestStatus.SUBMITTED, world.staff, "")
        if status in HOLDING:
            # Taken where an approval would take it: the province's allotment, if any.
            allotment = Allotment.objects.filter(
                kit=world.kit, province_id=kit_request.facility.province_id
            ).first()
            reserve_units(kit_id=world.kit.pk, allotment=allotment, quantity=quantity)
            KitRequest.objects.filter(pk=kit_request.pk).update(allotment=allotment)
            world.kit.refresh_from_db()
    return KitRequest.objects.get(pk=kit_request.pk)


def set_available(world, available):
    """Pretend other approvals of province A hold all but `available` units of the kit,
    with the kit's and the allotment's counters in agreement (as the CHECKs demand)."""
    kit = Kit.objects.get(pk=world.kit.pk)
    allotment = Allotment.objects.filter(kit=kit).first()
    if allotment is not None:
        left = min(allotment.quantity, available)
        Allotment.objects.filter(pk=allotment.pk).update(used=allotment.quantity - left)
        Kit.objects.filter(pk=kit.pk).update(
            quantity_available=available, quantity_allotted_left=left
        )
    else:
        Kit.objects.filter(pk=kit.pk).update(quantity_available=available)
    world.kit.refresh_from_db()
