"""Exhibition sets and their exhibits: created by reviewers, filled in by the set's managers.

"The set's managers" are the staff of its operator, the coordinators of the operator's
province and the national administrators. `by=None` means the platform itself (a management
command, the demo loader) and skips the permission check, never the other rules.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import InvalidTransition, NotAllowed
from facilities.models import FacilityStatus
from facilities.roles import get_scope

from ..models import Exhibit, ExhibitionSet, ExhibitionSetStatus, ExhibitStatus


def can_create_set(user, operator):
    """Administrators, and coordinators of the operator's province."""
    return user is None or get_scope(user).covers_province(operator.province_id)


def can_manage_set(user, exhibition_set):
    """The set's managers: its operator's staff, the operator's coordinators, administrators."""
    if user is None:
        return True
    scope = get_scope(user)
    return scope.belongs_to(exhibition_set.operator_id) or scope.covers_province(
        exhibition_set.operator.province_id
    )


def check_manager(user, exhibition_set):
    if not can_manage_set(user, exhibition_set):
        raise NotAllowed(_("Only the managers of this exhibition set may change it."))


@transaction.atomic
def create_set(*, by, code, name, operator, theme="", campaign=None):
    """A new set in storage, run by an approved facility; its code is unique nationwide."""
    if not can_create_set(by, operator):
        raise NotAllowed(
            _("Only administrators and the coordinators of its province may add a set.")
        )
    if operator.status != FacilityStatus.APPROVED:
        raise ValidationError({"operator": _("The operator must be an approved facility.")})
    code = (code or "").strip()
    if ExhibitionSet.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A set with this code exists already.")})
    exhibition_set = ExhibitionSet(
        code=code,
        name=(name or "").strip(),
        operator=operator,
        theme=theme or "",
        campaign=campaign,
    )
    exhibition_set.full_clean()
    exhibition_set.save()
    return exhibition_set


@transaction.atomic
def add_exhibit(*, by, exhibition_set, code, name, model, status=ExhibitStatus.OK):
    """Add one exhibit to a set; its code is unique within the set (400 otherwise)."""
    check_manager(by, exhibition_set)
    if exhibition_set.status == ExhibitionSetStatus.RETIRED:
        raise InvalidTransition(_("A retired set takes no new exhibits."))
    code = (code or "").strip()
    if exhibition_set.exhibits.filter(code=code).exists():
        raise ValidationError({"code": _("This set has an exhibit with this code already.")})
    exhibit = Exhibit(
        exhibition_set=exhibition_set,
        code=code,
        name=(name or "").strip(),
        model=(model or "").strip(),
        status=status,
    )
    exhibit.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            exhibit.save()
    except IntegrityError:
        # Another request added the same code in the meantime.
        raise ValidationError(
            {"code": _("This set has an exhibit with this code already.")}
        ) from None
    return exhibit


def exhibit_row_problems(*, code, name, model, taken_codes):
    """What is wrong with one exhibit row of a spreadsheet (an empty list when nothing).

    `taken_codes` holds the codes already in the set or earlier in the same file.
    """
    problems = []
    if not code:
        problems.append(_("The code is missing."))
    elif len(code) > 32:
        problems.append(_("The code is longer than 32 characters."))
    elif code in taken_codes:
        problems.append(_("The code “%(code)s” is in the set already.") % {"code": code})
    if not name:
        problems.append(_("The name is missing."))
    elif len(name) > 200:
        problems.append(_("The name is longer than 200 characters."))
    if not model:
        problems.append(_("The exhibit model is missing."))
    elif len(model) > 100:
        problems.append(_("The exhibit model is longer than 100 characters."))
    return problems


def import_exhibits(*, by, exhibition_set, rows):
    """Add many exhibits at once: all of them or none.

    `rows` are (row number, code, name, model). Every row is checked first; the answer lists
    (row number, message) for each bad row, and nothing is written if there is any.
    """
    check_manager(by, exhibition_set)
    errors = []
    seen = set(exhibition_set.exhibits.values_list("code", flat=True))
    clean = []
    for number, code, name, model in rows:
        code, name, model = (str(v or "").strip() for v in (code, name, model))
        problems = exhibit_row_problems(code=code, name=name, model=model, taken_codes=seen)
        if problems:
            errors.append((number, " ".join(problems)))
            continue
        seen.add(code)
        clean.append(Exhibit(exhibition_set=exhibition_set, code=code, name=name, model=model))
    if errors:
        return [], errors
    with transaction.atomic():
        created = Exhibit.objects.bulk_create(clean)
    return created, []
