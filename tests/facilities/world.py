"""The cast of the permission tests: two facilities in two provinces and every role around them.

Facility A (province 23, 黑龙江省) and facility B (province 11, 北京市); staff of each; a
coordinator of A's province; a coordinator of the other province; a national administrator.
"""

from dataclasses import dataclass

from facilities.models import FacilityStatus
from tests import factories


@dataclass
class World:
    province_a: object
    county_a: object
    province_b: object
    county_b: object
    facility_a: object
    facility_b: object
    staff_a: object
    staff_b: object
    coordinator_a: object
    coordinator_other: object
    admin: object

    def user(self, role):
        return None if role == "anonymous" else getattr(self, role)


ROLES = ["anonymous", "staff_a", "staff_b", "coordinator_a", "coordinator_other", "admin"]


def build_world(*, status_a=FacilityStatus.PENDING):
    province_a, _prefecture_a, county_a = factories.region_tree("230000", "黑龙江省")
    province_b, _prefecture_b, county_b = factories.region_tree("110000", "北京市")
    facility_a = factories.FacilityFactory(
        name="黑河市流动科技馆", region=county_a, status=status_a
    )
    facility_b = factories.FacilityFactory(
        name="北京科普大篷车", region=county_b, status=FacilityStatus.APPROVED
    )
    return World(
        province_a=province_a,
        county_a=county_a,
        province_b=province_b,
        county_b=county_b,
        facility_a=facility_a,
        facility_b=facility_b,
        staff_a=factories.MembershipFactory(facility=facility_a, user__username="staff-a").user,
        staff_b=factories.MembershipFactory(facility=facility_b, user__username="staff-b").user,
        coordinator_a=factories.CoordinatorFactory(
            province=province_a, user__username="coordinator-a"
        ).user,
        coordinator_other=factories.CoordinatorFactory(
            province=province_b, user__username="coordinator-b"
        ).user,
        admin=factories.AdminFactory(username="admin"),
    )


def client_for(api_client, user):
    """The API client signed in as `user` (token auth, as a REST client would), or anonymous."""
    from rest_framework.authtoken.models import Token

    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client
