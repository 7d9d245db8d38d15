"""The kit-request workflow through its service functions: every allowed and forbidden
transition, stock bookkeeping, the timeline and the model history."""

import pytest

from config.errors import BadRequest, DomainError, InsufficientStock, InvalidTransition, NotAllowed
from facilities.models import FacilityStatus
from resources.models import Kit, KitRequest, KitRequestStatus
from resources.services import kits as services
from tests.resources.kits_support import (
    HOLDING,
    build_world,
    request_in_status,
    set_available,
)

S = KitRequestStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world(allotment_a=20)


def do(action, kit_request, by):
    """Call the service of `action` with the arguments it needs."""
    calls = {
        S.APPROVED: lambda: services.approve_request(kit_request=kit_request, by=by),
        S.REJECTED: lambda: services.reject_request(
            kit_request=kit_request, by=by, reason="库存优先给县级单位"
        ),
        S.SHIPPED: lambda: services.ship_request(
            kit_request=kit_request, by=by, carrier="顺丰速运", tracking_number="SF1234567890"
        ),
        S.RECEIVED: lambda: services.receive_request(kit_request=kit_request, by=by),
        S.CANCELLED: lambda: services.cancel_request(kit_request=kit_request, by=by),
    }
    return calls[action]()


def actor_for(world, action):
    return world.staff if action in (S.RECEIVED, S.CANCELLED) else world.coordinator


ALLOWED = {
    (S.SUBMITTED, S.APPROVED),
    (S.SUBMITTED, S.REJECTED),
    (S.SUBMITTED, S.CANCELLED),
    (S.APPROVED, S.SHIPPED),
    (S.APPROVED, S.CANCELLED),
    (S.SHIPPED, S.RECEIVED),
}
TARGETS = [S.APPROVED, S.REJECTED, S.SHIPPED, S.RECEIVED, S.CANCELLED]
ALL_PAIRS = [(start, target) for start in S.values for target in TARGETS]


def test_the_allowed_table_is_the_one_of_the_design():
    table = {(a, b) for a, targets in services.ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("start", "target"), [p for p in ALL_PAIRS if p in ALLOWED])
def test_allowed_transition_applies_records_and_keeps_stock_right(world, start, target):
    kit_request = request_in_status(world, start, quantity=3)
    before = world.kit.quantity_available
    by = actor_for(world, target)

    result = do(target, kit_request, by)

    kit_request.refresh_from_db()
    world.kit.refresh_from_db()
    assert result.status == kit_request.status == target
    last = kit_request.transitions.last()
    assert (last.from_status, last.to_status, last.by) == (start, target, by)
    expected_change = {S.APPROVED: -3, S.CANCELLED: 3 if start in HOLDING else 0}.get(target, 0)
    assert world.kit.quantity_available == before + expected_change
    assert 0 <= world.kit.quantity_available <= world.kit.quantity_total


@pytest.mark.parametrize(("start", "target"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_forbidden_transition_is_refused_naming_the_current_status(world, start, target):
    kit_request = request_in_status(world, start, quantity=2)
    before = world.kit.quantity_available
    transitions_before = kit_request.transitions.count()

    with pytest.raises(InvalidTransition) as refused:
        do(target, kit_request, actor_for(world, target))

    assert refused.value.status_code == 409
    assert str(S(start).label) in str(refused.value.message)
    kit_request.refresh_from_db()
    world.kit.refresh_from_db()
    assert kit_request.status == start
    assert world.kit.quantity_available == before
    assert kit_request.transitions.count() == transitions_before


def test_full_life_sets_every_timestamp_and_a_four_step_timeline(world):
    kit_request = services.submit_request(
        kit=world.kit, facility=world.facility, quantity=2, purpose="乡村巡展", by=world.staff
    )
    services.approve_request(kit_request=kit_request, by=world.coordinator, note="同意")
    services.ship_request(
        kit_request=kit_request, by=world.admin, carrier="EMS", tracking_number="E123"
    )
    services.receive_request(kit_request=kit_request, by=world.manager, note="完好")

    kit_request.refresh_from_db()
    assert kit_request.status == S.RECEIVED
    assert kit_request.origin == "request"
    assert kit_request.created_by == world.staff
    assert kit_request.approved_at <= kit_request.shipped_at <= kit_request.received_at
    assert (kit_request.carrier, kit_request.tracking_number) == ("EMS", "E123")
    steps = list(kit_request.transitions.values_list("from_status", "to_status", "by__username"))
    assert steps == [
        ("", "submitted", "staff"),
        ("submitted", "approved", "coordinator"),
        ("approved", "shipped", "admin"),
        ("shipped", "received", "manager"),
    ]
    assert list(kit_request.transitions.values_list("note", flat=True)) == ["", "同意", "", "完好"]
    world.kit.refresh_from_db()
    assert world.kit.quantity_available == 18


def test_approval_refuses_when_stock_is_short_and_names_what_is_left(world):
    set_available(world, 2)
    kit_request = request_in_status(world, S.SUBMITTED, quantity=3)

    with pytest.raises(InsufficientStock) as refused:
        services.approve_request(kit_request=kit_request, by=world.admin)

    assert refused.value.status_code == 409
    assert "2" in str(refused.value.message)
    kit_request.refresh_from_db()
    assert kit_request.status == S.SUBMITTED
    assert kit_request.transitions.count() == 1
    assert Kit.objects.get(pk=world.kit.pk).quantity_available == 2


def test_cancelling_an_approved_request_returns_its_stock(world):
    kit_request = request_in_status(world, S.SUBMITTED, quantity=5)
    services.approve_request(kit_request=kit_request, by=world.admin)
    assert Kit.objects.get(pk=world.kit.pk).quantity_available == 15

    services.cancel_request(kit_request=kit_request, by=world.staff, note="活动取消")

    assert Kit.objects.get(pk=world.kit.pk).quantity_available == 20
    kit_request.refresh_from_db()
    assert kit_request.closed_at is not None


def test_rejection_needs_a_reason_and_keeps_it(world):
    kit_request = request_in_status(world, S.SUBMITTED)
    with pytest.raises(BadRequest):
        services.reject_request(kit_request=kit_request, by=world.admin, reason="   ")
    services.reject_request(kit_request=kit_request, by=world.admin, reason="重复申请")
    kit_request.refresh_from_db()
    assert kit_request.reject_reason == "重复申请"
    assert kit_request.transitions.last().note == "重复申请"


def test_shipping_needs_carrier_and_tracking_number(world):
    kit_request = request_in_status(world, S.APPROVED)
    with pytest.raises(BadRequest):
        services.ship_request(
            kit_request=kit_request, by=world.admin, carrier="EMS", tracking_number=""
        )
    assert KitRequest.objects.get(pk=kit_request.pk).status == S.APPROVED


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("coordinator", S.APPROVED, True),
        ("admin", S.APPROVED, True),
        ("other_coordinator", S.APPROVED, False),
        ("staff", S.APPROVED, False),
        ("manager", S.REJECTED, False),
        ("neighbour_staff", S.CANCELLED, False),
        ("coordinator", S.CANCELLED, False),
        ("admin", S.CANCELLED, True),
        ("manager", S.CANCELLED, True),
        ("outsider", S.CANCELLED, False),
    ],
)
def test_who_may_act_on_a_submitted_request(world, role, action, allowed):
    kit_request = request_in_status(world, S.SUBMITTED)
    if allowed:
        assert do(action, kit_request, world.user(role)).status == action
    else:
        with pytest.raises(NotAllowed):
            do(action, kit_request, world.user(role))
        assert KitRequest.objects.get(pk=kit_request.pk).status == S.SUBMITTED


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("staff", True), ("manager", True), ("admin", False), ("coordinator", False)],
)
def test_only_the_facility_confirms_receipt(world, role, allowed):
    kit_request = request_in_status(world, S.SHIPPED)
    if allowed:
        services.receive_request(kit_request=kit_request, by=world.user(role))
    else:
        with pytest.raises(NotAllowed):
            services.receive_request(kit_request=kit_request, by=world.user(role))


def test_a_task_acting_as_the_platform_may_move_any_request(world):
    kit_request = request_in_status(world, S.SUBMITTED)
    services.approve_request(kit_request=kit_request, by=None)
    assert kit_request.transitions.last().by is None


class TestSubmission:
    def test_staff_submit_for_their_approved_facility(self, world):
        kit_request = services.submit_request(
            kit=world.kit, facility=world.facility, quantity=4, purpose="学校", by=world.staff
        )
        assert kit_request.status == S.SUBMITTED
        assert world.kit.quantity_available == 20  # nothing reserved before approval

    def test_not_for_another_facility(self, world):
        with pytest.raises(NotAllowed):
            services.submit_request(
                kit=world.kit, facility=world.neighbour, quantity=1, by=world.staff
            )

    def test_not_by_a_coordinator_or_an_administrator_without_membership(self, world):
        for user in (world.coordinator, world.admin):
            with pytest.raises(NotAllowed):
                services.submit_request(kit=world.kit, facility=world.facility, quantity=1, by=user)

    def test_not_for_a_facility_that_is_not_approved(self, world):
        world.facility.status = FacilityStatus.PENDING
        world.facility.save()
        with pytest.raises(DomainError):
            services.submit_request(
                kit=world.kit, facility=world.facility, quantity=1, by=world.staff
            )
        assert not KitRequest.objects.exists()

    def test_not_more_than_the_kit_has_in_total(self, world):
        with pytest.raises(BadRequest):
            services.submit_request(
                kit=world.kit, facility=world.facility, quantity=21, by=world.staff
            )


class TestHistory:
    def test_kit_history_shows_who_moved_stock_and_why(self, world):
        kit_request = request_in_status(world, S.SUBMITTED, quantity=4)
        services.approve_request(kit_request=kit_request, by=world.coordinator)
        services.cancel_request(kit_request=kit_request, by=world.staff)

        records = list(world.kit.history.order_by("history_date", "history_id"))
        approved, cancelled = records[-2:]
        assert (approved.quantity_available, approved.history_user) == (16, world.coordinator)
        assert f"#{kit_request.pk}" in approved.history_change_reason
        assert (cancelled.quantity_available, cancelled.history_user) == (20, world.staff)

    def test_request_history_records_the_acting_user(self, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        services.approve_request(kit_request=kit_request, by=world.admin)
        latest = kit_request.history.first()
        assert (latest.status, latest.history_user) == (S.APPROVED, world.admin)

    def test_restock_keeps_reservations_and_is_recorded(self, world):
        kit_request = request_in_status(world, S.SUBMITTED, quantity=5)
        services.approve_request(kit_request=kit_request, by=world.admin)
        services.change_total_stock(kit=world.kit, quantity_total=30, by=world.admin)
        world.kit.refresh_from_db()
        assert (world.kit.quantity_total, world.kit.quantity_available) == (30, 25)
        with pytest.raises(DomainError):
            services.change_total_stock(kit=world.kit, quantity_total=4, by=world.admin)
        assert world.kit.history.first().history_user == world.admin
