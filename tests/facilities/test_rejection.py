"""Rejecting a facility registration: the API, the review page, the admin; reason, record, mail."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from facilities.models import Facility, FacilityStatus
from tests import factories
from tests.facilities.world import client_for

pytestmark = pytest.mark.django_db


def test_api_reject_needs_a_reason_then_records_and_mails_the_applicant(
    world, api_client, django_capture_on_commit_callbacks
):
    url = f"/api/v1/facilities/{world.facility_a.pk}/reject/"
    client = client_for(api_client, world.coordinator_a)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, body
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "材料不全"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["decision_note"] == "材料不全"
    facility = Facility.objects.get(pk=world.facility_a.pk)
    assert facility.decided_by == world.coordinator_a and facility.decided_at is not None
    assert [m.to for m in mail.outbox] == [[world.staff_a.email]]
    assert "材料不全" in mail.outbox[0].body

    # Only a pending registration is rejected; twice is a 409.
    assert client.post(url, {"reason": "again"}, format="json").status_code == 409


def test_api_reject_is_for_reviewers_of_the_province_only(world, api_client):
    url = f"/api/v1/facilities/{world.facility_a.pk}/reject/"
    assert api_client.post(url, {"reason": "x"}, format="json").status_code == 401
    assert (
        client_for(api_client, world.staff_a).post(url, {"reason": "x"}, format="json").status_code
        == 403
    )
    other = client_for(APIClient(), world.coordinator_other)
    assert other.post(url, {"reason": "x"}, format="json").status_code == 404
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.PENDING


def test_review_page_offers_reject_with_a_reason(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.coordinator_a)
    page = client.get(reverse("facility-review"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    reject_url = reverse("facility-decide", args=[world.facility_a.pk, "reject"])
    assert f'action="{reject_url}"' in page and 'name="reason"' in page

    # Without a reason: an error message, nothing changes.
    response = client.post(reject_url, {"reason": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert [m.message for m in response.context["messages"]] == [
        "Give the reason for the rejection; the applicant reads it."
    ]
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reject_url, {"reason": "地址不详", "next": reverse("facility-review")}
        )
    assert response["Location"] == reverse("facility-review")
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.REJECTED
    assert world.facility_a.decision_note == "地址不详"
    assert mail.outbox[-1].to == [world.staff_a.email]
    # A rejected registration stays visible to its applicant, not to the public.
    client.force_login(world.staff_a)
    detail = reverse("facility-detail", args=[world.facility_a.pk])
    assert "地址不详" in client.get(detail).content.decode()
    client.logout()
    assert client.get(detail).status_code == 404


def test_admin_action_rejects_with_the_reason_given(
    world, client, django_capture_on_commit_callbacks
):
    other = factories.FacilityFactory(region=world.county_a, status=FacilityStatus.PENDING)
    client.force_login(world.admin)
    changelist = reverse("admin:facilities_facility_changelist")
    selected = [world.facility_a.pk, other.pk]
    response = client.post(
        changelist,
        {"action": "reject_facilities", "_selected_action": selected, "reason": ""},
        follow=True,
    )
    assert not Facility.objects.filter(status=FacilityStatus.REJECTED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "reject_facilities", "_selected_action": selected, "reason": "重复登记"},
            follow=True,
        )
    assert response.status_code == 200
    assert set(Facility.objects.filter(status="rejected").values_list("pk", flat=True)) == set(
        selected
    )
    assert set(
        Facility.objects.values_list("decision_note", flat=True).filter(pk__in=selected)
    ) == {"重复登记"}
    assert world.staff_a.email in {address for m in mail.outbox for address in m.to}
