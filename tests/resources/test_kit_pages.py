"""Portal pages of kits: catalogue, request form, my requests, the request page and the queue."""

import pytest
from django.contrib.messages import get_messages

from facilities.models import FacilityStatus
from resources.models import KitRequest, KitRequestStatus
from tests import factories
from tests.resources.kits_support import (
    build_world,
    request_in_status,
    set_available,
)

S = KitRequestStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world(allotment_a=20)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestCatalogue:
    def test_anyone_sees_kits_with_stock(self, client, world):
        request_in_status(world, S.APPROVED, quantity=3)
        response = client.get("/kits/")
        assert response.status_code == 200
        page = response.content.decode()
        assert world.kit.name in page and world.kit.code in page
        assert response.context["page_obj"][0].quantity_available == 17

    def test_search(self, client, world):
        factories.KitFactory(code="ROBOT-7", name="机器人表演套件")
        response = client.get("/kits/", {"q": "机器人"})
        assert [k.code for k in response.context["page_obj"]] == ["ROBOT-7"]

    def test_kit_page_offers_the_form_only_to_facility_staff(self, client, as_user, world):
        url = f"/kits/{world.kit.pk}/"
        assert client.get(url).context["form"] is None
        assert 'name="quantity"' not in client.get(url).content.decode()
        assert as_user(world.coordinator).get(url).context["form"] is None
        response = as_user(world.staff).get(url)
        assert 'name="quantity"' in response.content.decode()
        assert response.context["form"].fields["facility"].initial == world.facility.pk


class TestRequestForm:
    def test_staff_submit_and_land_on_the_request_page(self, as_user, world):
        response = as_user(world.staff).post(
            f"/kits/{world.kit.pk}/",
            {"facility": world.facility.pk, "quantity": 2, "purpose": "乡村小学巡展"},
        )
        kit_request = KitRequest.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/kits/requests/{kit_request.pk}/"
        assert (kit_request.status, kit_request.quantity, kit_request.created_by) == (
            S.SUBMITTED,
            2,
            world.staff,
        )

    @pytest.mark.parametrize("quantity", ["0", "-2", "abc", "21"])
    def test_bad_quantity_shows_the_form_again(self, as_user, world, quantity):
        response = as_user(world.staff).post(
            f"/kits/{world.kit.pk}/",
            {"facility": world.facility.pk, "quantity": quantity, "purpose": "x"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not KitRequest.objects.exists()

    def test_another_facility_is_not_a_choice(self, as_user, world):
        response = as_user(world.staff).post(
            f"/kits/{world.kit.pk}/",
            {"facility": world.neighbour.pk, "quantity": 1, "purpose": "x"},
        )
        assert "facility" in response.context["form"].errors
        assert not KitRequest.objects.exists()

    def test_a_pending_facility_is_told_to_wait(self, as_user, world):
        world.facility.status = FacilityStatus.PENDING
        world.facility.save()
        response = as_user(world.staff).get(f"/kits/{world.kit.pk}/")
        assert not response.context["form"].fields["facility"].queryset.exists()

    def test_anonymous_post_is_sent_to_sign_in_and_outsiders_refused(self, client, as_user, world):
        response = client.post(f"/kits/{world.kit.pk}/", {"quantity": 1})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert as_user(world.outsider).post(f"/kits/{world.kit.pk}/", {}).status_code == 403


class TestMyRequests:
    def test_lists_own_facility_requests_with_status_filter(self, as_user, world):
        submitted = request_in_status(world, S.SUBMITTED)
        shipped = request_in_status(world, S.SHIPPED)
        request_in_status(world, S.SUBMITTED, facility=world.neighbour)
        client = as_user(world.staff)
        assert {r.pk for r in client.get("/kits/requests/").context["page_obj"]} == {
            submitted.pk,
            shipped.pk,
        }
        response = client.get("/kits/requests/", {"status": "shipped"})
        assert [r.pk for r in response.context["page_obj"]] == [shipped.pk]
        assert 'aria-current="page"' in response.content.decode()

    def test_needs_sign_in(self, client):
        response = client.get("/kits/requests/")
        assert response.status_code == 302

    @pytest.mark.parametrize("count", [10, 200])
    def test_constant_queries(self, as_user, world, count, django_assert_max_num_queries):
        KitRequest.objects.bulk_create(
            KitRequest(kit=world.kit, facility=world.facility, quantity=1) for _ in range(count)
        )
        client = as_user(world.staff)
        with django_assert_max_num_queries(8):
            assert client.get("/kits/requests/").status_code == 200


class TestRequestPage:
    def test_other_facilities_requests_are_404(self, as_user, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        for user in (world.neighbour_staff, world.other_coordinator, world.outsider):
            assert as_user(user).get(f"/kits/requests/{kit_request.pk}/").status_code == 404

    def test_shows_the_timeline_and_the_actions_of_the_role(self, as_user, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        staff_page = as_user(world.staff).get(f"/kits/requests/{kit_request.pk}/")
        assert staff_page.context["actions"] == {
            "approve": False,
            "reject": False,
            "ship": False,
            "receive": False,
            "cancel": True,
        }
        assert 'data-status="submitted"' in staff_page.content.decode()
        coordinator_page = as_user(world.coordinator).get(f"/kits/requests/{kit_request.pk}/")
        assert coordinator_page.context["actions"]["approve"]
        assert not coordinator_page.context["actions"]["cancel"]

    def test_the_whole_workflow_through_the_pages(self, client, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        base = f"/kits/requests/{kit_request.pk}/"
        client.force_login(world.coordinator)
        client.post(base + "approve/", {"note": "同意"})
        client.post(base + "ship/", {"carrier": "顺丰", "tracking_number": "SF1"})
        client.force_login(world.staff)
        response = client.post(base + "receive/", {"note": "收到"}, follow=True)
        kit_request.refresh_from_db()
        assert kit_request.status == S.RECEIVED
        page = response.content.decode()
        for status in ("submitted", "approved", "shipped", "received"):
            assert f'class="timeline-step" data-status="{status}"' in page

    def test_refusals_come_back_as_messages(self, as_user, world):
        kit_request = request_in_status(world, S.SUBMITTED, quantity=5)
        set_available(world, 3)
        client = as_user(world.coordinator)
        base = f"/kits/requests/{kit_request.pk}/"

        response = client.post(base + "approve/")
        assert response.status_code == 302
        assert any("3" in m for m in messages_of(response))

        response = client.post(base + "reject/", {"reason": ""})
        assert messages_of(response)
        kit_request.refresh_from_db()
        assert kit_request.status == S.SUBMITTED

        response = as_user(world.staff).post(base + "approve/")
        assert messages_of(response)
        kit_request.refresh_from_db()
        assert kit_request.status == S.SUBMITTED

    def test_actions_need_post_and_scope(self, as_user, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        base = f"/kits/requests/{kit_request.pk}/"
        assert as_user(world.coordinator).get(base + "approve/").status_code == 405
        assert as_user(world.other_coordinator).post(base + "approve/").status_code == 404

    def test_next_must_stay_on_this_site(self, as_user, world):
        kit_request = request_in_status(world, S.SUBMITTED)
        response = as_user(world.coordinator).post(
            f"/kits/requests/{kit_request.pk}/approve/", {"next": "https://evil.example/"}
        )
        assert response["Location"] == f"/kits/requests/{kit_request.pk}/"


class TestReviewQueue:
    def test_only_reviewers(self, as_user, world):
        assert as_user(world.staff).get("/kits/review/").status_code == 403

    def test_coordinator_sees_the_submitted_requests_of_the_province(self, as_user, world):
        own = request_in_status(world, S.SUBMITTED)
        neighbour = request_in_status(world, S.SUBMITTED, facility=world.neighbour)
        request_in_status(world, S.SUBMITTED, facility=world.faraway)
        request_in_status(world, S.APPROVED)
        response = as_user(world.coordinator).get("/kits/review/")
        assert [r.pk for r in response.context["page_obj"]] == [own.pk, neighbour.pk]

    def test_approve_and_reject_in_place(self, as_user, world):
        first = request_in_status(world, S.SUBMITTED)
        second = request_in_status(world, S.SUBMITTED)
        client = as_user(world.coordinator)
        response = client.post(
            f"/kits/requests/{first.pk}/approve/", {"next": "/kits/review/?status=submitted"}
        )
        assert response["Location"] == "/kits/review/?status=submitted"
        client.post(
            f"/kits/requests/{second.pk}/reject/", {"reason": "重复", "next": "/kits/review/"}
        )
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == (S.APPROVED, S.REJECTED)
        shipping = client.get("/kits/review/", {"status": "approved"})
        assert [r.pk for r in shipping.context["page_obj"]] == [first.pk]

    @pytest.mark.parametrize("count", [10, 200])
    def test_constant_queries(self, as_user, world, count, django_assert_max_num_queries):
        KitRequest.objects.bulk_create(
            KitRequest(kit=world.kit, facility=world.neighbour, quantity=1) for _ in range(count)
        )
        client = as_user(world.admin)
        with django_assert_max_num_queries(8):
            assert client.get("/kits/review/").status_code == 200


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (None, {"Kits"}),
        ("staff", {"Kits", "My requests"}),
        ("coordinator", {"Kits", "Review requests"}),
        ("admin", {"Kits", "Review requests"}),
    ],
)
def test_navigation_links_by_role(client, world, role, links, settings):
    settings.LANGUAGE_CODE = "en"
    if role:
        client.force_login(world.user(role))
    page = client.get("/kits/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = {name for name in ("Kits", "My requests", "Review requests") if f">{name}</a>" in page}
    assert shown == links
