"""Many facilities at once for the distribution tests and benchmark (bulk, not factories)."""

from campaigns.models import Participation, ParticipationStatus
from facilities.models import Facility, FacilityKind, FacilityLevel, FacilityStatus
from tests import factories


def make_facilities(
    count,
    *,
    region=None,
    status=FacilityStatus.APPROVED,
    kind=FacilityKind.MOBILE_MUSEUM,
    prefix="设施",
):
    """`count` facilities in `region` (a county of Heilongjiang by default), in id order."""
    if region is None:
        region = factories.region_tree()[2]
    level = {
        "province": FacilityLevel.PROVINCIAL,
        "prefecture": FacilityLevel.PREFECTURE,
        "county": FacilityLevel.COUNTY,
    }[region.level]
    start = Facility.objects.count()
    Facility.objects.bulk_create(
        [
            Facility(
                name=f"{prefix} {start + n:05d}",
                kind=kind,
                level=level,
                status=status,
                region=region,
                province_id=region.code[:2] + "0000",
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    return list(Facility.objects.filter(region=region, name__startswith=prefix).order_by("pk"))


def enrol(campaign, facilities, status=ParticipationStatus.APPROVED):
    Participation.objects.bulk_create(
        [Participation(campaign=campaign, facility=f, status=status) for f in facilities],
        batch_size=2000,
    )


def add_staff(facilities, prefix="staff"):
    """One staff member with an e-mail address per facility (bulk; no password hashing)."""
    from django.contrib.auth import get_user_model

    from facilities.models import Membership, MembershipRole

    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}-{f.pk}", email=f"{prefix}-{f.pk}@example.org", password="!")
            for f in facilities
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, facility=f, role=MembershipRole.STAFF)
            for user, f in zip(users, facilities, strict=True)
        ]
    )
    return users
