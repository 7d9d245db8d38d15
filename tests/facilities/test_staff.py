"""A facility's manager adds, invites and removes staff."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from facilities.models import Membership, MembershipRole
from tests import factories


@pytest.mark.django_db
def test_manager_adds_an_existing_account_by_name_or_address(
    world, client, django_capture_on_commit_callbacks
):
    colleague = factories.UserFactory(username="colleague", email="colleague@example.org")
    client.force_login(world.staff_a)
    url = reverse("facility-staff-add", args=[world.facility_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"identifier": "colleague", "role": "staff"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=colleague)
    assert (membership.facility, membership.role) == (world.facility_a, MembershipRole.STAFF)
    assert mail.outbox[-1].to == ["colleague@example.org"]

    # Twice is refused with a message.
    response = client.post(
        url, {"identifier": "COLLEAGUE@example.org", "role": "staff"}, follow=True
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert Membership.objects.filter(user=colleague).count() == 1


@pytest.mark.django_db
def test_an_invitation_link_adds_the_account_with_the_invited_address(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("facility-staff-add", args=[world.facility_a.pk]),
            {"identifier": "new.hire@example.org", "role": "staff"},
        )
    invitation = mail.outbox[-1]
    assert invitation.to == ["new.hire@example.org"]
    link = re.search(r"https?://[^/]+(/facilities/join/\S+/)", invitation.body).group(1)

    # Someone else who got the link cannot use it.
    client.force_login(world.staff_b)
    client.post(link)
    assert not Membership.objects.filter(user=world.staff_b, facility=world.facility_a).exists()

    # The invited person signs up with that address and joins.
    client.logout()
    assert client.get(link)["Location"].startswith(reverse("login"))
    client.post(
        reverse("signup"),
        {
            "username": "new-hire",
            "email": "new.hire@example.org",
            "password1": "Kepu-2022-newhire!",
            "password2": "Kepu-2022-newhire!",
        },
    )
    assert world.facility_a.name in client.get(link).content.decode()
    response = client.post(link)
    assert response["Location"] == reverse("facility-detail", args=[world.facility_a.pk])
    assert Membership.objects.get(user__username="new-hire").facility == world.facility_a


@pytest.mark.django_db
def test_a_forged_invitation_is_refused(world, client):
    client.force_login(world.staff_b)
    response = client.get(reverse("facility-join", args=["not-a-real-token"]))
    assert response.status_code == 400


@pytest.mark.django_db
def test_only_managers_change_staff(world, client):
    plain = factories.MembershipFactory(
        facility=world.facility_a, role=MembershipRole.STAFF, user__username="plain"
    )
    client.force_login(plain.user)
    response = client.post(
        reverse("facility-staff-add", args=[world.facility_a.pk]),
        {"identifier": "staff-b", "role": "manager"},
    )
    assert response.status_code == 403
    manager_membership = Membership.objects.get(user=world.staff_a)
    response = client.post(
        reverse("facility-staff-remove", args=[world.facility_a.pk, manager_membership.pk])
    )
    assert Membership.objects.filter(pk=manager_membership.pk).exists()
    # Other facilities' managers do not even see a pending facility.
    client.force_login(world.staff_b)
    response = client.post(
        reverse("facility-staff-add", args=[world.facility_a.pk]),
        {"identifier": "staff-b", "role": "manager"},
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_manager_removes_staff_but_a_facility_keeps_a_manager(world, client):
    plain = factories.MembershipFactory(
        facility=world.facility_a, role=MembershipRole.STAFF, user__username="plain"
    )
    client.force_login(world.staff_a)
    client.post(reverse("facility-staff-remove", args=[world.facility_a.pk, plain.pk]))
    assert not Membership.objects.filter(pk=plain.pk).exists()

    own = Membership.objects.get(user=world.staff_a)
    response = client.post(
        reverse("facility-staff-remove", args=[world.facility_a.pk, own.pk]), follow=True
    )
    assert Membership.objects.filter(pk=own.pk).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])

    page = client.get(reverse("facility-detail", args=[world.facility_a.pk])).content.decode()
    assert "staff-a" in page and "identifier" in page
