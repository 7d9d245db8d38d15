"""Who may see and do what: the one place every door asks.

A user's scope is read once per request (two small queries) and cached on the user object.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    is_authenticated: bool = False
    is_admin: bool = False
    # Facility ids the user belongs to, and the subset where they are manager.
    facility_ids: frozenset = field(default_factory=frozenset)
    manager_facility_ids: frozenset = field(default_factory=frozenset)
    # Province region codes the user coordinates.
    province_codes: frozenset = field(default_factory=frozenset)

    @property
    def is_coordinator(self):
        return bool(self.province_codes)

    @property
    def is_reviewer(self):
        """National administrators and provincial coordinators review facility work."""
        return self.is_admin or self.is_coordinator

    @property
    def is_member(self):
        """Facility staff and reviewers: the people member-only content is for."""
        return bool(self.facility_ids) or self.is_reviewer

    def covers_province(self, province_code):
        return self.is_admin or province_code in self.province_codes

    def belongs_to(self, facility_id):
        return facility_id in self.facility_ids

    def manages(self, facility_id):
        return facility_id in self.manager_facility_ids


ANONYMOUS = Scope()


def is_national_admin(user):
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def get_scope(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, "_kepu_scope", None)
    if cached is not None:
        return cached
    from .models import Membership, MembershipRole, ProvincialCoordinator

    memberships = list(Membership.objects.filter(user=user).values_list("facility_id", "role"))
    scope = Scope(
        is_authenticated=True,
        is_admin=is_national_admin(user),
        facility_ids=frozenset(fid for fid, _ in memberships),
        manager_facility_ids=frozenset(
            fid for fid, role in memberships if role == MembershipRole.MANAGER
        ),
        province_codes=frozenset(
            ProvincialCoordinator.objects.filter(user=user).values_list("province_id", flat=True)
        ),
    )
    user._kepu_scope = scope
    return scope


def forget_scope(user):
    """Drop the cached scope after the user's memberships or roles changed."""
    if user is not None and hasattr(user, "_kepu_scope"):
        del user._kepu_scope
