"""Mail about facilities leaves through a real Celery worker, after the change is committed."""

import time

import pytest
from django.urls import reverse

from tests import factories
from tests.facilities.world import build_world, client_for


def wait_for_mail(worker, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = worker.outbox()
        if len(messages) >= count:
            return messages
        time.sleep(0.2)
    raise AssertionError(f"{len(worker.outbox())} of {count} messages\n{worker.log()[-3000:]}")


@pytest.mark.celery_worker
def test_approval_and_password_reset_mail_go_through_the_worker(
    real_celery_worker, api_client, client
):
    world = build_world()
    response = client_for(api_client, world.coordinator_a).post(
        f"/api/v1/facilities/{world.facility_a.pk}/approve/", {"note": "欢迎加入"}, format="json"
    )
    assert response.status_code == 200
    (approved,) = wait_for_mail(real_celery_worker, 1)
    assert approved["To"] == world.staff_a.email
    assert world.facility_a.name in approved["Subject"]
    assert "欢迎加入" in approved.get_content()

    factories.UserFactory(username="forgetful", email="forgetful@example.org")
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    messages = wait_for_mail(real_celery_worker, 2)
    assert messages[-1]["To"] == "forgetful@example.org"
    assert "/accounts/reset/" in messages[-1].get_content()
