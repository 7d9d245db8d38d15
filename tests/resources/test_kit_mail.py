"""Mail on kit-request transitions: who gets what, only after commit, through Celery."""

import pytest
from django.core import mail
from django.db import transaction
from rest_framework.test import APIClient

from config.errors import InsufficientStock
from facilities.models import MembershipRole
from resources.models import KitRequestStatus
from resources.services import kits as services
from tests import factories
from tests.fixtures.processes import wait_until
from tests.resources.kits_support import (
    build_world,
    request_in_status,
    set_available,
)

S = KitRequestStatus


@pytest.fixture
def world(db):
    return build_world(allotment_a=20)


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def facility_staff(world):
    return sorted([world.staff.email, world.manager.email])


@pytest.mark.django_db
class TestWhoGetsWhat:
    def test_new_request_goes_to_the_reviewers_of_its_province(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            kit_request = services.submit_request(
                kit=world.kit, facility=world.facility, quantity=2, purpose="巡展", by=world.staff
            )
        assert recipients() == sorted([world.coordinator.email, world.admin.email])
        message = mail.outbox[0]
        assert f"#{kit_request.pk}" in message.subject
        assert world.facility.name in message.body
        assert f"/kits/requests/{kit_request.pk}/" in message.body

    def test_approval_goes_to_the_facility_staff(self, world, django_capture_on_commit_callbacks):
        kit_request = request_in_status(world, S.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True):
            services.approve_request(kit_request=kit_request, by=world.coordinator)
        assert recipients() == facility_staff(world)
        assert f"#{kit_request.pk}" in mail.outbox[0].subject

    def test_rejection_carries_the_reason(self, world, django_capture_on_commit_callbacks):
        kit_request = request_in_status(world, S.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True):
            services.reject_request(kit_request=kit_request, by=world.admin, reason="本批已发完")
        assert recipients() == facility_staff(world)
        assert "本批已发完" in mail.outbox[0].body

    def test_shipment_carries_carrier_and_tracking_number(
        self, world, django_capture_on_commit_callbacks
    ):
        kit_request = request_in_status(world, S.APPROVED)
        with django_capture_on_commit_callbacks(execute=True):
            services.ship_request(
                kit_request=kit_request,
                by=world.admin,
                carrier="中国邮政 EMS",
                tracking_number="EA123456789CN",
            )
        assert recipients() == facility_staff(world)
        assert "中国邮政 EMS" in mail.outbox[0].body
        assert "EA123456789CN" in mail.outbox[0].body

    def test_receipt_and_cancellation_send_no_mail(self, world, django_capture_on_commit_callbacks):
        shipped = request_in_status(world, S.SHIPPED)
        submitted = request_in_status(world, S.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True):
            services.receive_request(kit_request=shipped, by=world.staff)
            services.cancel_request(kit_request=submitted, by=world.staff)
        assert mail.outbox == []

    def test_inactive_staff_and_other_facilities_get_nothing(
        self, world, django_capture_on_commit_callbacks
    ):
        gone = factories.MembershipFactory(
            facility=world.facility, role=MembershipRole.STAFF, user__is_active=False
        ).user
        kit_request = request_in_status(world, S.SUBMITTED)
        with django_capture_on_commit_callbacks(execute=True):
            services.approve_request(kit_request=kit_request, by=world.admin)
        assert gone.email not in recipients()
        assert world.neighbour_staff.email not in recipients()


@pytest.mark.django_db
def test_no_mail_is_queued_before_commit_nor_after_a_rollback(
    world, django_capture_on_commit_callbacks
):
    kit_request = request_in_status(world, S.SUBMITTED, quantity=5)
    set_available(world, 4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InsufficientStock):
            services.approve_request(kit_request=kit_request, by=world.admin)
    assert callbacks == [] and mail.outbox == []

    set_available(world, 20)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            services.approve_request(kit_request=kit_request, by=world.admin)
            assert mail.outbox == []  # still inside the transaction: nothing sent yet
    assert len(callbacks) == 1
    assert recipients() == facility_staff(world)


@pytest.mark.celery_worker
def test_a_stopped_mail_worker_does_not_hold_up_the_approval(real_celery_worker):
    """The API answers while the worker is down; the mail goes out once a worker runs."""
    world = build_world(allotment_a=20)
    kit_request = request_in_status(world, S.SUBMITTED)
    real_celery_worker.stop()
    client = APIClient()
    client.force_authenticate(world.coordinator)

    response = client.post(f"/api/v1/kit-requests/{kit_request.pk}/approve/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert real_celery_worker.queued() == 1
    assert real_celery_worker.outbox() == []
    real_celery_worker.start()
    assert wait_until(lambda: len(real_celery_worker.outbox()) == 2, timeout=30)
    sent = real_celery_worker.outbox()
    assert sorted(m["To"] for m in sent) == facility_staff(world)
    assert all(f"#{kit_request.pk}" in m["Subject"] for m in sent)


@pytest.mark.django_db
def test_links_in_mail_are_absolute_when_the_site_address_is_set(
    world, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://kepu.example.org/"
    kit_request = request_in_status(world, S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_request(kit_request=kit_request, by=world.admin)
    assert f"https://kepu.example.org/kits/requests/{kit_request.pk}/" in mail.outbox[0].body
