"""A JSON body nested far too deeply is a 400 on every endpoint that reads JSON, not a 500."""

import logging

import pytest
from rest_framework.test import APIClient

from facilities.models import FacilityStatus
from tests.facilities.world import build_world

pytestmark = pytest.mark.django_db

DEPTH = 50_000
BODIES = {"arrays": "[" * DEPTH, "objects": '{"a":' * DEPTH}


@pytest.fixture
def world(db):
    return build_world(status_a=FacilityStatus.APPROVED)


def endpoints(world):
    """(method, path, user) of JSON endpoints, anonymous ones and signed-in ones."""
    return [
        ("post", "/api/v1/auth/token/", None),
        ("post", "/api/v1/auth/register/", None),
        ("post", "/api/v1/kit-requests/", world.staff_a),
        ("post", "/api/v1/activities/", world.staff_a),
        ("patch", f"/api/v1/facilities/{world.facility_a.pk}/", world.staff_a),
    ]


@pytest.mark.parametrize("shape", sorted(BODIES))
def test_deeply_nested_json_is_a_400_without_a_traceback(world, shape, caplog):
    answers = {}
    with caplog.at_level(logging.INFO):
        for method, path, user in endpoints(world):
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            if user is not None:
                client.force_authenticate(user)
            response = getattr(client, method)(path, BODIES[shape], content_type="application/json")
            answers[path] = (response.status_code, response.json().get("detail", ""))

    for path, (status, detail) in answers.items():
        assert status == 400, (path, status, detail)
        assert "nested too deeply" in detail, path
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


def test_json_nested_a_little_still_reaches_the_validation(world):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/api/v1/auth/token/", '{"username": [[["x"]]]}', content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" not in response.content.decode()
