"""Provincial allotments of kits, discrepancies found at receipt, and chasing of receipts.

Allotments: the centre sets aside part of a kit's stock for a province (`allot`), changes it
(`set_allotment`) or moves units from one province to another (`move_allotment`). Their sum
never exceeds the kit's total and never covers units that requests already took from the
unallotted stock; an allotment never goes below what its province used. Row locks are taken
allotment rows first (by primary key), then the kit row, as in services.stock.

Discrepancies are opened by services.kits.receive_request; `resolve_discrepancy` closes them
with a replacement request, a write-off, or a note. `remind_overdue_shipments` mails the staff
of facilities whose shipment has waited too long for a receipt, at most once a day each.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import BadRequest, DomainError, NotAllowed
from facilities.models import Region, RegionLevel
from facilities.notifications import facility_staff_emails, notify
from facilities.roles import get_scope

from ..models import (
    Allotment,
    Discrepancy,
    DiscrepancyResolution,
    DiscrepancyStatus,
    Kit,
    KitRequest,
    KitRequestOrigin,
    KitRequestStatus,
)
from .kits import (
    _notify_facility,
    allotment_source,
    record_stock_history,
    record_transition,
    request_url,
    reserve_units,
)
from .stock import change_allotted, write_off_stock

logger = logging.getLogger(__name__)
S = KitRequestStatus


def _require_admin(by):
    if by is not None and not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators change allotments."))


def _province(province):
    if isinstance(province, Region):
        return province
    region = Region.objects.filter(pk=province, level=RegionLevel.PROVINCE).first()
    if region is None:
        raise BadRequest(_("Unknown province: give the 6-digit code of a province."))
    return region


def _check_quantity(quantity):
    if quantity is None or quantity < 0:
        raise BadRequest(_("The allotted quantity must be 0 or more."))


# ---------------------------------------------------------------------------
# Allotments
# ---------------------------------------------------------------------------


def allot(*, kit, province, quantity, by):
    """Allot `quantity` units of `kit` to a province that has no allotment of it yet.

    Refused with 409 when the kit's allotments would sum over its total or over the
    unallotted units still free, and when the province already has an allotment (change it).
    """
    _require_admin(by)
    _check_quantity(quantity)
    province = _province(province)
    try:
        with transaction.atomic():
            allotment = Allotment.objects.create(kit=kit, province=province, quantity=quantity)
            change_allotted(kit_id=kit.pk, delta=quantity)
            record_stock_history(
                kit_id=kit.pk,
                by=by,
                reason=_("%(n)d units allotted to %(province)s")
                % {"n": quantity, "province": province.name},
            )
    except IntegrityError as error:
        raise DomainError(
            _("%(province)s already has an allotment of this kit; change that one.")
            % {"province": province.name}
        ) from error
    return allotment


@transaction.atomic
def set_allotment(*, allotment, quantity, by):
    """Set an allotment's quantity: never below what it used, never summing over the total."""
    _require_admin(by)
    _check_quantity(quantity)
    locked = Allotment.objects.select_for_update().select_related("province").get(pk=allotment.pk)
    if quantity < locked.used:
        raise DomainError(
            _("Requests already used %(used)d units of this allotment; it cannot be lower.")
            % {"used": locked.used}
        )
    delta = quantity - locked.quantity
    if delta:
        change_allotted(kit_id=locked.kit_id, delta=delta)
        Allotment.objects.filter(pk=locked.pk).update(quantity=quantity, updated_at=timezone.now())
        record_stock_history(
            kit_id=locked.kit_id,
            by=by,
            reason=_("Allotment of %(province)s set to %(n)d")
            % {"province": locked.province.name, "n": quantity},
        )
    locked.quantity = quantity
    allotment.quantity = quantity
    allotment.used = locked.used
    return locked


@transaction.atomic
def move_allotment(*, kit, from_province, to_province, quantity, by):
    """Move `quantity` unused units from one province's allotment to another's, in one step.

    The target's allotment is created when it has none. The kit's totals do not change, so
    only the two allotment rows are locked (in primary-key order).
    """
    _require_admin(by)
    if quantity is None or quantity < 1:
        raise BadRequest(_("Move at least 1 unit."))
    source_province, target_province = _province(from_province), _province(to_province)
    if source_province.pk == target_province.pk:
        raise BadRequest(_("Choose two different provinces."))
    target, _created = Allotment.objects.get_or_create(
        kit=kit, province=target_province, defaults={"quantity": 0}
    )
    rows = {
        row.province_id: row
        for row in Allotment.objects.select_for_update()
        .filter(kit=kit, province_id__in=[source_province.pk, target_province.pk])
        .order_by("pk")
    }
    source = rows.get(source_province.pk)
    if source is None or source.quantity - source.used < quantity:
        left = source.quantity - source.used if source else 0
        raise DomainError(
            _("%(province)s has only %(left)d unused allotted units; %(n)d cannot move.")
            % {"province": source_province.name, "left": left, "n": quantity}
        )
    now = timezone.now()
    Allotment.objects.filter(pk=source.pk).update(
        quantity=source.quantity - quantity, updated_at=now
    )
    target = rows[target_province.pk]
    Allotment.objects.filter(pk=target.pk).update(
        quantity=target.quantity + quantity, updated_at=now
    )
    record_stock_history(
        kit_id=kit.pk,
        by=by,
        reason=_("%(n)d allotted units moved from %(source)s to %(target)s")
        % {"n": quantity, "source": source_province.name, "target": target_province.name},
    )
    return Allotment.objects.get(pk=source.pk), Allotment.objects.get(pk=target.pk)


def allotment_table(kit):
    """The kit's allotments with used and left per province, and the unallotted remainder."""
    rows = list(kit.allotments.select_related("province").order_by("province_id"))
    kit = Kit.objects.get(pk=kit.pk)
    return {
        "kit": kit,
        "rows": rows,
        "allotted": kit.quantity_allotted,
        "allotted_left": kit.quantity_allotted_left,
        "unallotted": kit.quantity_total - kit.quantity_allotted,
        "unallotted_free": kit.quantity_available - kit.quantity_allotted_left,
    }


# ---------------------------------------------------------------------------
# Discrepancies
# ---------------------------------------------------------------------------


def _resolution_note(resolution, discrepancy, note):
    label = DiscrepancyResolution(resolution).label
    text = _("Discrepancy resolved: %(resolution)s.") % {"resolution": label}
    if discrepancy.replacement_id:
        text += " " + _("Replacement request #%(id)d.") % {"id": discrepancy.replacement_id}
    if discrepancy.quantity_written_off:
        text += " " + _("%(n)d units written off.") % {"n": discrepancy.quantity_written_off}
    return f"{text} {note}".strip()


@transaction.atomic
def resolve_discrepancy(*, discrepancy, resolution, by, note=""):
    """Resolve an open discrepancy, once.

    `replacement`: a new approved request of the same facility for the missing and damaged
    units, linked to the discrepancy and taken from stock like an administrator's approval
    (from the province's allotment if it has one, else from the unallotted stock; 409 if not
    enough). `written_off`: those units leave the kit's total (and the allotment they came
    from), recorded in the kit's history. `closed`: nothing moves; a note says why.
    """
    if by is not None and not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators resolve discrepancies."))
    note = (note or "").strip()
    if resolution not in DiscrepancyResolution.values:
        raise BadRequest(_("The resolution must be replacement, written_off or closed."))
    if resolution == DiscrepancyResolution.CLOSED and not note:
        raise BadRequest(_("Say in a note why the discrepancy is closed without action."))
    locked = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("kit_request__kit", "kit_request__facility")
        .get(pk=discrepancy.pk)
    )
    if locked.status != DiscrepancyStatus.OPEN:
        raise DomainError(_("This discrepancy is resolved already."))
    original = locked.kit_request
    units = locked.units
    if resolution == DiscrepancyResolution.REPLACEMENT:
        allotment = allotment_source(
            kit_id=original.kit_id, province_id=original.facility.province_id, by=None
        )
        replacement = KitRequest(
            kit_id=original.kit_id,
            facility_id=original.facility_id,
            quantity=units,
            purpose=_("Replacement for request #%(id)d") % {"id": original.pk},
            status=S.APPROVED,
            origin=KitRequestOrigin.REQUEST,
            created_by=by if getattr(by, "is_authenticated", False) else None,
            approved_at=timezone.now(),
            allotment=allotment,
        )
        replacement._history_user = replacement.created_by
        replacement.save()
        record_transition(
            replacement,
            "",
            S.APPROVED,
            by,
            _("Replacement for request #%(id)d") % {"id": original.pk},
        )
        reserve_units(kit_id=original.kit_id, allotment=allotment, quantity=units)
        record_stock_history(
            kit_id=original.kit_id,
            by=by,
            reason=_("Replacement #%(id)d approved") % {"id": replacement.pk},
        )
        _notify_facility(replacement, "kit_approved")
        locked.replacement = replacement
    elif resolution == DiscrepancyResolution.WRITTEN_OFF:
        write_off_stock(kit_id=original.kit_id, allotment_id=original.allotment_id, quantity=units)
        record_stock_history(
            kit_id=original.kit_id,
            by=by,
            reason=_("%(n)d units of request #%(id)d written off")
            % {"n": units, "id": original.pk},
        )
        locked.quantity_written_off = units
    locked.status = DiscrepancyStatus.RESOLVED
    locked.resolution = resolution
    locked.resolution_note = note
    locked.resolved_at = timezone.now()
    locked.resolved_by = by if getattr(by, "is_authenticated", False) else None
    locked.save()
    record_transition(
        original, S.RECEIVED, S.RECEIVED, by, _resolution_note(resolution, locked, note)
    )
    return locked


# ---------------------------------------------------------------------------
# Chasing receipts
# ---------------------------------------------------------------------------


def chase_days():
    return getattr(settings, "KIT_RECEIPT_CHASE_DAYS", 14)


def overdue_cutoff(now=None):
    """Shipments sent before this moment and not received are overdue."""
    return (now or timezone.now()) - datetime.timedelta(days=chase_days())


def overdue_condition(now=None):
    return Q(status=S.SHIPPED, shipped_at__lt=overdue_cutoff(now))


def is_overdue(kit_request, now=None):
    return bool(
        kit_request.status == S.SHIPPED
        and kit_request.shipped_at
        and kit_request.shipped_at < overdue_cutoff(now)
    )


def remind_overdue_shipments(*, today=None):
    """Mail the staff of each overdue shipment's facility; returns the request ids reminded.

    At most one reminder a day per request, however many beat or worker processes run this
    at once: a request is reminded only by the process whose conditional UPDATE moved its
    `last_reminded_on` to today (one row, one winner), and the mail is queued in that same
    transaction, after its commit.
    """
    today = today or timezone.localdate()
    candidates = list(
        KitRequest.objects.filter(overdue_condition())
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reminded = []
    for pk in candidates:
        with transaction.atomic():
            won = (
                KitRequest.objects.filter(pk=pk)
                .filter(overdue_condition())
                .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
                .update(last_reminded_on=today)
            )
            if won != 1:
                continue
            kit_request = KitRequest.objects.select_related("kit", "facility").get(pk=pk)
            notify(
                emails=facility_staff_emails([kit_request.facility_id]),
                template="resources/mail/kit_receipt_reminder",
                context={"kit_request": kit_request, "url": request_url(kit_request)},
            )
            reminded.append(pk)
    if reminded:
        logger.info("receipt reminders sent for %d shipments", len(reminded))
    return reminded
