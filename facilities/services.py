"""State changes of facilities: registration, approval, staff, import.

Every door (portal pages, admin actions, API actions) calls these functions, so the rules below
hold whichever way a change arrives. Permission checks live here too: a caller that may not do
something gets NotAllowed (403); hiding objects outside the caller's scope (404) is the job of
the `visible_to` querysets the doors look objects up with.
"""

from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import BadRequest, InvalidTransition, NotAllowed

from .models import (
    LEVEL_BY_REGION_LEVEL,
    Facility,
    FacilityStatus,
    Membership,
    MembershipRole,
)
from .notifications import notify, reviewer_emails
from .roles import forget_scope, get_scope

INVITATION_SALT = "facilities.invitation"
INVITATION_MAX_AGE = 7 * 24 * 3600

# Fields facility staff may change at any time; the others only while the facility is pending
# (after approval, moving a unit to another region or renaming it needs an administrator).
CONTACT_FIELDS = ("address", "contact_name", "contact_phone", "contact_email")
IDENTITY_FIELDS = ("name", "kind", "region", "parent")


def manager_emails(facility):
    return sorted(
        set(
            Membership.objects.filter(
                facility=facility, role=MembershipRole.MANAGER, user__is_active=True
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def facility_region(region):
    """The region a facility is filed under: grouping rows (市辖区) stand for their parent."""
    if region is not None and region.is_grouping and region.parent_id:
        return region.parent
    return region


def _check_parent(facility, parent):
    if parent is None:
        return
    if facility.pk and parent.pk == facility.pk:
        raise BadRequest(_("A facility cannot be its own parent unit."))
    if parent.province_id != facility.province_id:
        raise BadRequest(_("The parent unit must be in the same province."))


def _save_unique(facility):
    """Save, turning the (name, region) uniqueness into a message a person can act on."""
    try:
        with transaction.atomic():
            facility.save()
    except IntegrityError as exc:
        # PostgreSQL names the constraint, SQLite its columns.
        message = str(exc)
        if "facility_unique_name_region" in message or "facility.name, " in message:
            raise BadRequest(
                _("A facility named “%(name)s” is already registered in %(region)s.")
                % {"name": facility.name, "region": facility.region.name}
            ) from exc
        raise


def _username_taken():
    return ValidationError({"username": [_("This user name is taken.")]}, code="taken")


def check_account(*, username, password, email):
    """Raise ValidationError({field: [messages]}) for every rule a new account breaks.

    User names are unique whatever their case; an e-mail address belongs to one account.
    """
    User = get_user_model()
    errors = {}
    username_field = User._meta.get_field(User.USERNAME_FIELD)
    username = User.normalize_username(username or "")
    try:
        username_field.clean(username, None)
    except ValidationError as exc:
        errors["username"] = list(exc.messages)
    else:
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = [_("This user name is taken.")]
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = list(exc.messages)
    else:
        if User.objects.filter(email__iexact=email).exists():
            errors["email"] = [_("An account with this e-mail address already exists.")]
    try:
        password_validation.validate_password(password, user=User(username=username, email=email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)


def create_account(*, username, password, email):
    """Create an account for sign-up on the pages and registration over the API alike.

    Two sign-ups of `name` and `NAME` at the same moment never both succeed: the check above
    words the common case, the unique index on lower(username) decides the race.
    """
    check_account(username=username, password=password, email=email)
    User = get_user_model()
    try:
        with transaction.atomic():
            return User.objects.create_user(
                username=User.normalize_username(username), email=email.strip(), password=password
            )
    except IntegrityError as exc:  # the user name is the only unique value of the new row
        raise _username_taken() from exc


def can_register_facility(user):
    scope = get_scope(user)
    return scope.is_authenticated and not scope.facility_ids


def _lock_account(user):
    """Take the user's row lock: registrations of one account queue up behind each other."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def register_facility(
    *,
    user,
    name,
    kind,
    region,
    address="",
    contact_name="",
    contact_phone="",
    contact_email="",
    parent=None,
):
    """Register a facility for a signed-in user without one; it starts pending.

    The user becomes its manager, and the reviewers of its province are told by mail. One
    account registers one facility even when several registrations arrive at once: they wait
    for the account's row lock and each looks at the memberships committed before it.
    """
    if not get_scope(user).is_authenticated:
        raise NotAllowed(_("Sign in to register a facility."))
    _lock_account(user)
    if Membership.objects.filter(user=user).exists():
        raise NotAllowed(_("You already work for a facility; one account registers one unit."))
    if not (name or "").strip():
        raise BadRequest(_("The facility needs a name."))
    region = facility_region(region)
    facility = Facility(
        name=name.strip(),
        kind=kind,
        region=region,
        address=address,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email or user.email,
        status=FacilityStatus.PENDING,
    )
    facility.province_id = region.province_code
    _check_parent(facility, parent)
    facility.parent = parent
    _save_unique(facility)
    Membership.objects.create(user=user, facility=facility, role=MembershipRole.MANAGER)
    forget_scope(user)
    notify(
        emails=reviewer_emails(facility.province_id),
        template="facilities/mail/registered",
        context={"facility": facility, "user": user},
    )
    return facility


def can_edit_facility(user, facility):
    scope = get_scope(user)
    return scope.is_admin or scope.belongs_to(facility.pk)


@transaction.atomic
def update_facility(*, facility, by, **changes):
    """Change a facility's data: its staff (contacts always, identity while pending) or admins."""
    scope = get_scope(by)
    if not can_edit_facility(by, facility):
        raise NotAllowed(_("Only the staff of this facility can change it."))
    unknown = set(changes) - set(CONTACT_FIELDS) - set(IDENTITY_FIELDS)
    if unknown:
        raise BadRequest(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    facility = Facility.objects.select_for_update().select_related("region").get(pk=facility.pk)
    for field in IDENTITY_FIELDS:
        if field not in changes:
            continue
        current = getattr(facility, field)
        if changes[field] == current:
            continue
        if facility.status != FacilityStatus.PENDING and not scope.is_admin:
            raise NotAllowed(
                _(
                    "The name, kind, region and parent unit of an approved facility are changed "
                    "by an administrator."
                )
            )
    if "region" in changes:
        region = facility_region(changes["region"])
        if region.pk != facility.region_id:
            facility.region = region
            facility.province_id = region.province_code
            facility.level = LEVEL_BY_REGION_LEVEL[region.level]
    for field in ("name", "kind", *CONTACT_FIELDS):
        if field in changes:
            value = changes[field]
            setattr(facility, field, value.strip() if isinstance(value, str) else value)
    if "parent" in changes:
        _check_parent(facility, changes["parent"])
        facility.parent = changes["parent"]
    _save_unique(facility)
    return facility


def can_decide_facility(user, facility):
    """National administrators, and coordinators of the facility's province."""
    return get_scope(user).covers_province(facility.province_id)


def _decide(*, facility, by, to_status, allowed_from, note, template):
    if not can_decide_facility(by, facility):
        raise NotAllowed(
            _("Only an administrator or a coordinator of its province can decide on a facility.")
        )
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if facility.status not in allowed_from:
        raise InvalidTransition(
            _("This facility is %(status)s; it cannot be %(action)s now.")
            % {
                "status": facility.get_status_display(),
                "action": FacilityStatus(to_status).label,
            }
        )
    facility.status = to_status
    facility.decided_at = timezone.now()
    facility.decided_by = by
    facility.decision_note = note or ""
    facility.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    notify(
        emails=manager_emails(facility),
        template=template,
        context={"facility": facility, "by": by, "note": facility.decision_note},
    )
    return facility


@transaction.atomic
def approve_facility(*, facility, by, note=""):
    """pending (or suspended, or rejected on second thoughts) → approved.

    Records who and when and mails the managers.
    """
    return _decide(
        facility=facility,
        by=by,
        to_status=FacilityStatus.APPROVED,
        allowed_from={FacilityStatus.PENDING, FacilityStatus.SUSPENDED, FacilityStatus.REJECTED},
        note=note,
        template="facilities/mail/approved",
    )


@transaction.atomic
def suspend_facility(*, facility, by, note=""):
    """pending or approved → suspended; records who and when and mails the managers."""
    return _decide(
        facility=facility,
        by=by,
        to_status=FacilityStatus.SUSPENDED,
        allowed_from={FacilityStatus.PENDING, FacilityStatus.APPROVED},
        note=note,
        template="facilities/mail/suspended",
    )


@transaction.atomic
def reject_facility(*, facility, by, reason):
    """pending → rejected with a reason the applicant reads; records who and when, mails them."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest(_("Give the reason for the rejection; the applicant reads it."))
    return _decide(
        facility=facility,
        by=by,
        to_status=FacilityStatus.REJECTED,
        allowed_from={FacilityStatus.PENDING},
        note=reason,
        template="facilities/mail/rejected",
    )


def can_manage_staff(user, facility):
    scope = get_scope(user)
    return scope.is_admin or scope.manages(facility.pk)


def _require_staff_manager(by, facility):
    if not can_manage_staff(by, facility):
        raise NotAllowed(_("Only a manager of this facility can change its staff."))


@transaction.atomic
def add_staff(*, facility, user, by, role=MembershipRole.STAFF):
    """Make an existing account a member of the facility."""
    _require_staff_manager(by, facility)
    if Membership.objects.filter(facility=facility, user=user).exists():
        raise InvalidTransition(
            _("%(user)s already works for this facility.") % {"user": user.get_username()}
        )
    membership = Membership.objects.create(facility=facility, user=user, role=role)
    forget_scope(user)
    notify(
        emails=[user.email],
        template="facilities/mail/staff_added",
        context={"facility": facility, "user": user, "by": by},
    )
    return membership


def make_invitation_token(*, facility, email):
    return signing.dumps({"f": facility.pk, "e": email.lower()}, salt=INVITATION_SALT)


def read_invitation_token(token):
    """(facility, email) of a valid invitation; BadRequest when forged or expired."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadRequest(_("This invitation has expired; ask the manager for a new one.")) from exc
    except signing.BadSignature as exc:
        raise BadRequest(_("This invitation link is not valid.")) from exc
    facility = Facility.objects.filter(pk=data["f"]).first()
    if facility is None:
        raise BadRequest(_("This invitation link is not valid."))
    return facility, data["e"]


def invite_staff(*, facility, email, by, site_url):
    """Mail a signed link (valid for seven days) that adds whoever signs in with `email`."""
    _require_staff_manager(by, facility)
    email = email.strip()
    if not email:
        raise BadRequest(_("Enter the e-mail address to invite."))
    token = make_invitation_token(facility=facility, email=email)
    link = site_url.rstrip("/") + reverse("facility-join", args=[token])
    notify(
        emails=[email],
        template="facilities/mail/invitation",
        context={"facility": facility, "by": by, "link": link, "days": INVITATION_MAX_AGE // 86400},
    )
    return token


@transaction.atomic
def accept_invitation(*, token, user):
    """Join the facility an invitation was sent for; the account's e-mail must match it."""
    facility, email = read_invitation_token(token)
    if (user.email or "").lower() != email:
        raise NotAllowed(
            _("This invitation was sent to %(email)s; sign in with the account using that address.")
            % {"email": email}
        )
    membership, _created = Membership.objects.get_or_create(
        facility=facility, user=user, defaults={"role": MembershipRole.STAFF}
    )
    forget_scope(user)
    return membership


@transaction.atomic
def remove_staff(*, membership, by):
    """Remove a member; a facility always keeps at least one manager."""
    _require_staff_manager(by, membership.facility)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == MembershipRole.MANAGER:
        managers = (
            Membership.objects.select_for_update()
            .filter(facility_id=membership.facility_id, role=MembershipRole.MANAGER)
            .count()
        )
        if managers <= 1:
            raise InvalidTransition(
                _("This is the facility's only manager; appoint another manager first.")
            )
    user = membership.user
    membership.delete()
    forget_scope(user)


def find_user(identifier):
    """The active account with this user name or e-mail address, or None."""
    User = get_user_model()
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    user = User.objects.filter(username=identifier, is_active=True).first()
    if user is None and "@" in identifier:
        user = User.objects.filter(email__iexact=identifier, is_active=True).order_by("pk").first()
    return user


def import_facilities(*, dataset, by, dry_run):
    """Import facilities from a tablib dataset; all rows or none.

    Any bad row (unknown region, missing name, duplicate …) rolls back the whole import and is
    reported with its row number; a dry run never writes anything.
    """
    from .imports import FacilityImportResource

    if not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators import facilities."))
    resource = FacilityImportResource()
    return resource.import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
        user=by,
    )


def import_region_tags(*, dataset, by, dry_run):
    """Tag regions from a tablib dataset of (region, tag) rows; all rows or none.

    Rows already in the database are skipped; a bad row (unknown region or tag) is reported with
    its row number and nothing is written. A dry run never writes anything.
    """
    from .imports import RegionTagImportResource

    if not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators import priority tags."))
    return RegionTagImportResource().import_data(
        dataset,
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
        user=by,
    )
