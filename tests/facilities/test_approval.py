"""Approving and suspending facilities: portal pages, admin actions; who, when, mail."""

import pytest
from django.core import mail
from django.urls import reverse

from facilities.models import FacilityStatus
from tests import factories


@pytest.mark.django_db
def test_coordinator_reviews_only_their_province(world, client):
    pending_b = factories.FacilityFactory(
        name="北京待审", region=world.county_b, status=FacilityStatus.PENDING
    )
    client.force_login(world.coordinator_a)
    response = client.get(reverse("facility-review"))
    assert response.status_code == 200
    names = [facility.name for facility in response.context["facilities"]]
    assert names == [world.facility_a.name]
    assert pending_b.name not in response.content.decode()

    client.force_login(world.admin)
    names = {f.name for f in client.get(reverse("facility-review")).context["facilities"]}
    assert names == {world.facility_a.name, pending_b.name}

    client.force_login(world.staff_a)
    assert client.get(reverse("facility-review")).status_code == 403


@pytest.mark.django_db
def test_approval_from_the_review_page_records_who_when_and_mails_the_manager(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.coordinator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("facility-decide", args=[world.facility_a.pk, "approve"]),
            {"note": "材料齐全", "next": reverse("facility-review")},
        )
    assert response.status_code == 302 and response["Location"] == reverse("facility-review")
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.APPROVED
    assert world.facility_a.decided_by == world.coordinator_a
    assert world.facility_a.decided_at is not None
    assert world.facility_a.decision_note == "材料齐全"
    assert [m.to for m in mail.outbox] == [[world.staff_a.email]]
    assert "材料齐全" in mail.outbox[0].body

    # Approving twice is refused with a message; nothing changes.
    response = client.post(
        reverse("facility-decide", args=[world.facility_a.pk, "approve"]), follow=True
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.django_db
def test_suspension_and_reinstatement(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("facility-decide", args=[world.facility_b.pk, "suspend"]))
    world.facility_b.refresh_from_db()
    assert world.facility_b.status == FacilityStatus.SUSPENDED
    assert mail.outbox[-1].to == [world.staff_b.email]
    # A suspended facility leaves the public list; its staff still see it.
    assert client.get(reverse("facility-detail", args=[world.facility_b.pk])).status_code == 200
    client.logout()
    assert client.get(reverse("facility-detail", args=[world.facility_b.pk])).status_code == 404
    client.force_login(world.admin)
    client.post(reverse("facility-decide", args=[world.facility_b.pk, "approve"]))
    world.facility_b.refresh_from_db()
    assert world.facility_b.status == FacilityStatus.APPROVED


@pytest.mark.django_db
def test_outsiders_cannot_decide(world, client):
    url = reverse("facility-decide", args=[world.facility_a.pk, "approve"])
    client.force_login(world.coordinator_other)
    assert client.post(url).status_code == 404
    client.force_login(world.staff_a)
    client.post(url)
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.PENDING


@pytest.mark.django_db
def test_admin_actions_approve_and_report_refusals(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:facilities_facility_changelist"),
        {
            "action": "approve_facilities",
            "_selected_action": [world.facility_a.pk, world.facility_b.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    world.facility_a.refresh_from_db()
    assert world.facility_a.status == FacilityStatus.APPROVED
    assert world.facility_a.decided_by == world.admin
    levels = sorted(m.level_tag for m in response.context["messages"])
    assert levels == ["error", "success"]  # B was approved already


@pytest.mark.django_db
def test_admin_changelist_runs_a_constant_number_of_queries(
    world, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.facilities.test_api import make_facilities

    client.force_login(world.admin)
    url = reverse("admin:facilities_facility_changelist")

    def measure(total):
        make_facilities(total, world.county_a)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert measure(5) == measure(95)
