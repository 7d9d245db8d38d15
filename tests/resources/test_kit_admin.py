"""The admin as one more door onto the kit services: bulk actions, read-only stock, history."""

import pytest
from django.contrib.messages import get_messages

from resources.models import Kit, KitRequest, KitRequestStatus
from tests.resources.kits_support import (
    build_world,
    request_in_status,
    set_available,
)

S = KitRequestStatus
pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/resources/kitrequest/"


@pytest.fixture
def world():
    return build_world(allotment_a=20)


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_bulk_approve_calls_the_service_and_reports_each_refusal(admin_client, world):
    requests = [request_in_status(world, S.SUBMITTED) for _ in range(3)]
    shipped = request_in_status(world, S.SHIPPED)
    set_available(world, 2)

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "approve_selected",
            "_selected_action": [r.pk for r in requests] + [shipped.pk],
        },
    )

    assert response.status_code == 302
    statuses = [KitRequest.objects.get(pk=r.pk).status for r in requests]
    assert statuses == [S.APPROVED, S.APPROVED, S.SUBMITTED]
    assert Kit.objects.get(pk=world.kit.pk).quantity_available == 0
    reported = messages_of(response)
    errors = [text for level, text in reported if level == "error"]
    assert len(errors) == 2  # the one without stock, and the shipped one
    assert any(f"#{requests[2].pk}" in text and "0" in text for text in errors)
    assert any(f"#{shipped.pk}" in text for text in errors)
    assert [level for level, _ in reported].count("success") == 1
    assert requests[0].transitions.last().by == world.admin


def test_bulk_reject_asks_for_a_reason_first(admin_client, world):
    requests = [request_in_status(world, S.SUBMITTED) for _ in range(2)]
    selected = [r.pk for r in requests]

    page = admin_client.post(
        CHANGELIST, {"action": "reject_selected", "_selected_action": selected}
    )
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert all(KitRequest.objects.get(pk=pk).status == S.SUBMITTED for pk in selected)

    empty = admin_client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": selected, "confirm": "yes", "reason": ""},
    )
    assert empty.status_code == 200  # the form again, with an error
    assert all(KitRequest.objects.get(pk=pk).status == S.SUBMITTED for pk in selected)

    done = admin_client.post(
        CHANGELIST,
        {
            "action": "reject_selected",
            "_selected_action": selected,
            "confirm": "yes",
            "reason": "本轮名额已满",
        },
    )
    assert done.status_code == 302
    for pk in selected:
        kit_request = KitRequest.objects.get(pk=pk)
        assert (kit_request.status, kit_request.reject_reason) == (S.REJECTED, "本轮名额已满")


def test_request_status_and_stock_cannot_be_edited_by_hand(admin_client, world):
    kit_request = request_in_status(world, S.APPROVED, quantity=2)
    url = f"/admin/resources/kitrequest/{kit_request.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert 'name="quantity"' not in page.content.decode()
    transition = kit_request.transitions.get()
    response = admin_client.post(
        url,
        {
            "purpose": "改为社区科普",
            "status": "cancelled",
            "quantity": 9,
            "transitions-TOTAL_FORMS": 1,
            "transitions-INITIAL_FORMS": 1,
            "transitions-0-id": transition.pk,
            "transitions-0-kit_request": kit_request.pk,
        },
    )
    assert response.status_code == 302
    kit_request.refresh_from_db()
    assert (kit_request.status, kit_request.quantity, kit_request.purpose) == (
        S.APPROVED,
        2,
        "改为社区科普",
    )
    assert admin_client.get(
        f"/admin/resources/kitrequest/{kit_request.pk}/delete/"
    ).status_code in (
        403,
        302,
    )
    assert KitRequest.objects.filter(pk=kit_request.pk).exists()


def test_kit_total_is_changed_without_losing_reservations(admin_client, world):
    request_in_status(world, S.APPROVED, quantity=5)
    url = f"/admin/resources/kit/{world.kit.pk}/change/"
    form = {
        "code": world.kit.code,
        "name": "健康生活展板（新版）",
        "description": "",
        "contents": "展板 10 块",
        "quantity_total": 30,
        "quantity_available": 999,  # read-only: ignored
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    world.kit.refresh_from_db()
    assert (world.kit.quantity_total, world.kit.quantity_available) == (30, 25)
    assert world.kit.name == "健康生活展板（新版）"

    response = admin_client.post(url, {**form, "quantity_total": 4})
    assert response.status_code == 200  # refused by the form: 5 units are held
    assert response.context["adminform"].form.errors["quantity_total"]
    world.kit.refresh_from_db()
    assert world.kit.quantity_total == 30

    history = admin_client.get(f"/admin/resources/kit/{world.kit.pk}/history/")
    assert history.status_code == 200
    assert world.admin.username in history.content.decode()


def test_new_kit_starts_with_all_units_available(admin_client, world):
    response = admin_client.post(
        "/admin/resources/kit/add/",
        {
            "code": "NEW-1",
            "name": "实验箱",
            "quantity_total": 12,
            "description": "",
            "contents": "",
        },
    )
    assert response.status_code == 302
    kit = Kit.objects.get(code="NEW-1")
    assert (kit.quantity_total, kit.quantity_available) == (12, 12)


def test_a_coordinator_in_the_admin_sees_only_the_province(client, world):
    world.coordinator.is_staff = True
    world.coordinator.save()
    from django.contrib.auth.models import Permission

    world.coordinator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_kitrequest", "change_kitrequest"])
    )
    own = request_in_status(world, S.SUBMITTED)
    faraway = request_in_status(world, S.SUBMITTED, facility=world.faraway)
    client.force_login(world.coordinator)
    response = client.get(CHANGELIST)
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert own.pk in shown and faraway.pk not in shown
    # Even a hand-made POST naming the other province's request does nothing to it.
    client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [faraway.pk]})
    assert KitRequest.objects.get(pk=faraway.pk).status == S.SUBMITTED


@pytest.mark.parametrize("count", [10, 200])
def test_changelist_runs_a_constant_number_of_queries(
    admin_client, world, count, django_assert_max_num_queries
):
    facilities = [world.facility, world.neighbour, world.faraway]
    KitRequest.objects.bulk_create(
        KitRequest(kit=world.kit, facility=facilities[i % 3], quantity=1) for i in range(count)
    )
    with django_assert_max_num_queries(10):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        assert admin_client.get("/admin/resources/kit/").status_code == 200
