"""A broker that is down never turns an action into an error.

The Celery app is pointed at a private Redis that the test stops (tasks no longer eager):
approvals, facility decisions, photo uploads and password resets still commit and answer
success, and their mail and thumbnails are made in the request's process instead.
"""

import uuid

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from config.celery import app as celery_app
from events.models import ActivityPhoto
from facilities.models import Facility, FacilityStatus
from resources.models import KitRequest, KitRequestStatus
from resources.services.allotments import allot
from tests import factories
from tests.events.images import jpeg_bytes
from tests.facilities.world import build_world
from tests.fixtures.celery import celery_app_on_broker

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_down(redis_server, settings, tmp_path):
    """Tasks go to a broker whose Redis has stopped; local media in a folder of the test's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    redis_server.stop()
    queue = f"test-down-{uuid.uuid4().hex[:12]}"
    with celery_app_on_broker(celery_app, broker_url=redis_server.url(3), queue=queue):
        yield


def api_client_for(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_a_facility_decision_commits_and_its_mail_goes_out_in_process(broker_down):
    world = build_world()
    response = api_client_for(world.coordinator_a).post(
        f"/api/v1/facilities/{world.facility_a.pk}/approve/", {"note": "welcome"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Facility.objects.get(pk=world.facility_a.pk).status == FacilityStatus.APPROVED
    assert [message.to for message in mail.outbox] == [[world.staff_a.email]]


def test_a_kit_approval_commits_and_its_mail_goes_out_in_process(broker_down):
    world = build_world(status_a=FacilityStatus.APPROVED)
    kit_request = factories.KitRequestFactory(facility=world.facility_a)
    # A coordinator approves within the province's allotment of the kit.
    allot(kit=kit_request.kit, province=world.province_a, quantity=5, by=world.admin)
    response = api_client_for(world.coordinator_a).post(
        f"/api/v1/kit-requests/{kit_request.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 200, response.content
    assert KitRequest.objects.get(pk=kit_request.pk).status == KitRequestStatus.APPROVED
    assert [world.staff_a.email] in [message.to for message in mail.outbox]


def test_a_photo_upload_commits_and_gets_its_thumbnail_in_process(broker_down):
    world = build_world(status_a=FacilityStatus.APPROVED)
    activity = factories.ActivityFactory(facility=world.facility_a)
    response = api_client_for(world.staff_a).post(
        f"/api/v1/activities/{activity.pk}/photos/",
        {"image": SimpleUploadedFile("photo.jpg", jpeg_bytes(), content_type="image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    photo = ActivityPhoto.objects.get(activity=activity)
    assert photo.thumbnail


def test_a_password_reset_sends_its_mail_in_process(broker_down, client):
    factories.UserFactory(username="forgetful", email="forgetful@example.org")
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["forgetful@example.org"]]
