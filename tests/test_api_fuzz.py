"""Property-based fuzzing of the whole REST API against its own OpenAPI schema.

Schemathesis reads /api/schema/ from a live test server and sends generated requests as an
anonymous client, as facility staff and as a national administrator. Every answer must be
below 500 and must match the schema (status codes, content types, response bodies).
The number of examples per operation is bounded (FUZZ_EXAMPLES, default 15) so that
`make test` stays quick; `make fuzz` runs the same tests with more.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# What the platform promises: no server error, and answers that match the schema. Checks of
# how strictly inputs are validated (positive/negative data acceptance) are not part of it.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def fuzz_world(transactional_db, live_server):
    """A small but complete world so that generated ids can hit real objects."""
    admin = factories.AdminFactory(username="fuzz-admin")
    membership = factories.MembershipFactory(user=factories.UserFactory(username="fuzz-staff"))
    campaign = factories.CampaignFactory(slug="fuzz-campaign")
    factories.ParticipationFactory(campaign=campaign, facility=membership.facility)
    kit = factories.KitFactory(campaign=campaign)
    factories.KitRequestFactory(kit=kit, facility=membership.facility)
    factories.DigitalResourceFactory(campaign=campaign)
    factories.ActivityFactory(campaign=campaign, facility=membership.facility)
    return {
        "anonymous": {},
        "staff": {"Authorization": f"Token {Token.objects.create(user=membership.user).key}"},
        "admin": {"Authorization": f"Token {Token.objects.create(user=admin).key}"},
    }


@pytest.fixture
def api_schema(fuzz_world, live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_fails_and_matches_its_schema(case, fuzz_world, live_server):
    for headers in fuzz_world.values():
        case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)
