"""Kit requests: submitted → approved → shipped → received, submitted → rejected,
submitted|approved → cancelled.

Every state change is one function here, called by the portal, the admin, the API and tasks
alike. Each one locks the request row (SELECT … FOR UPDATE) before it looks at the status, so
two concurrent changes of the same request run one after the other and the second sees the
first's result; stock moves only through services.stock in the same transaction; and every
change is written to the request's timeline (KitRequestTransition) and its model history.

`by` is the user acting; `by=None` means the platform itself (a task) and skips the
permission check, never the transition or stock rules.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import BadRequest, DomainError, InvalidTransition, NotAllowed
from config.images import clean_photo
from facilities.models import FacilityStatus
from facilities.notifications import facility_staff_emails, notify, reviewer_emails
from facilities.roles import get_scope

from ..models import (
    Allotment,
    Discrepancy,
    DiscrepancyKind,
    Kit,
    KitRequest,
    KitRequestOrigin,
    KitRequestStatus,
    KitRequestTransition,
    ReceiptCondition,
)
from .stock import return_allotted_stock, return_stock, take_allotted_stock, take_stock

S = KitRequestStatus

# Which statuses each status may move to; anything else is an InvalidTransition (409).
ALLOWED_TRANSITIONS = {
    S.SUBMITTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.RECEIVED},
    S.REJECTED: set(),
    S.RECEIVED: set(),
    S.CANCELLED: set(),
}

# Kit columns that only the stock services write.
STOCK_FIELDS = (
    "quantity_total",
    "quantity_available",
    "quantity_allotted",
    "quantity_allotted_left",
)

# Statuses whose quantity is held out of the kit's available stock.
STOCK_HOLDING_STATUSES = (S.APPROVED, S.SHIPPED, S.RECEIVED)


def _transition_refused_message(to_status, current):
    status = KitRequestStatus(current).label
    messages = {
        S.APPROVED: _("Only a submitted request can be approved; this one is “%(status)s”."),
        S.REJECTED: _("Only a submitted request can be rejected; this one is “%(status)s”."),
        S.SHIPPED: _("Only an approved request can be shipped; this one is “%(status)s”."),
        S.RECEIVED: _(
            "Only a shipped request can be confirmed as received; this one is “%(status)s”."
        ),
        S.CANCELLED: _(
            "Only a submitted or approved request can be cancelled; this one is “%(status)s”."
        ),
    }
    return messages[to_status] % {"status": status}


def can_transition(kit_request, to_status):
    return to_status in ALLOWED_TRANSITIONS[kit_request.status]


# ---------------------------------------------------------------------------
# Timeline and history helpers (also used by bulk distributions)
# ---------------------------------------------------------------------------


def _acting_user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def build_transition(kit_request, from_status, to_status, by, note="", at=None):
    """An unsaved timeline entry, for callers that bulk_create many of them at once."""
    return KitRequestTransition(
        kit_request=kit_request,
        from_status=from_status or "",
        to_status=to_status,
        by=_acting_user(by),
        at=at or timezone.now(),
        note=note or "",
    )


def record_transition(kit_request, from_status, to_status, by, note=""):
    """Write one entry of the request's timeline: who changed the status, when, and why."""
    transition = build_transition(kit_request, from_status, to_status, by, note)
    transition.save()
    return transition


def record_transitions_bulk(entries, *, batch_size=500):
    """Write many timeline entries with one INSERT per batch.

    `entries` is an iterable of (kit_request, from_status, to_status, by, note) tuples; the
    requests must already be saved (bulk_create returns them with their ids on PostgreSQL).
    """
    at = timezone.now()
    rows = [
        build_transition(kit_request, from_status, to_status, by, note, at=at)
        for kit_request, from_status, to_status, by, note in entries
    ]
    return KitRequestTransition.objects.bulk_create(rows, batch_size=batch_size)


def record_stock_history(*, kit_id, by, reason):
    """Add a row to the kit's model history after its stock changed through services.stock.

    take_stock/return_stock are single UPDATE statements, which django-simple-history does not
    see; this snapshot (read inside the same transaction) lets administrators see in the kit's
    history who moved stock, when and why.
    """
    kit = Kit.objects.get(pk=kit_id)
    Kit.history.bulk_history_create(
        [kit], update=True, default_user=_acting_user(by), default_change_reason=reason[:100]
    )
    return kit


# ---------------------------------------------------------------------------
# Permission checks (the querysets carry the scope; these say who may act)
# ---------------------------------------------------------------------------


def can_review(user, kit_request):
    """Administrators, and coordinators of the facility's province, approve/reject/ship."""
    if user is None:
        return True
    scope = get_scope(user)
    return scope.covers_province(kit_request.facility.province_id)


def can_receive(user, kit_request):
    if user is None:
        return True
    return get_scope(user).belongs_to(kit_request.facility_id)


def can_cancel(user, kit_request):
    """The requesting facility's staff, or a national administrator (API.md)."""
    if user is None:
        return True
    scope = get_scope(user)
    return scope.is_admin or scope.belongs_to(kit_request.facility_id)


def _require(allowed):
    if not allowed:
        raise NotAllowed(_("You are not allowed to change this request."))


# ---------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------


def request_url(kit_request):
    path = reverse("kits:request-detail", args=[kit_request.pk])
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _notify_facility(kit_request, template):
    notify(
        emails=facility_staff_emails([kit_request.facility_id]),
        template=f"resources/mail/{template}",
        context={"kit_request": kit_request, "url": request_url(kit_request)},
    )


def _notify_reviewers(kit_request, template):
    notify(
        emails=reviewer_emails(kit_request.facility.province_id),
        template=f"resources/mail/{template}",
        context={"kit_request": kit_request, "url": request_url(kit_request)},
    )


# ---------------------------------------------------------------------------
# The workflow
# ---------------------------------------------------------------------------


def _lock(kit_request):
    """Re-read the request under a row lock; concurrent changes of it queue up here."""
    return (
        KitRequest.objects.select_for_update(of=("self",))
        .select_related("kit", "facility")
        .get(pk=kit_request.pk)
    )


def _move(locked, to_status, by, note, **changes):
    """Apply an allowed transition to a locked request and record it."""
    if not can_transition(locked, to_status):
        raise InvalidTransition(_transition_refused_message(to_status, locked.status))
    from_status = locked.status
    locked.status = to_status
    for name, value in changes.items():
        setattr(locked, name, value)
    locked._history_user = _acting_user(by)
    locked.save(update_fields=["status", "updated_at", *changes])
    record_transition(locked, from_status, to_status, by, note)
    return locked


def _copy_back(kit_request, locked):
    """Let the caller's instance see the new state too."""
    if kit_request is not locked:
        for field in KitRequest._meta.concrete_fields:
            setattr(kit_request, field.attname, getattr(locked, field.attname))
    return locked


def submit_request(*, kit, facility, quantity, purpose="", by):
    """Create a submitted request of `facility` for `quantity` units of `kit`.

    Only staff or managers of the facility may request, and only for an approved facility.
    No stock is taken until the request is approved.
    """
    scope = get_scope(by)
    if not scope.belongs_to(facility.pk):
        raise NotAllowed(_("You can only request kits for a facility you work for."))
    if facility.status != FacilityStatus.APPROVED:
        raise DomainError(_("Kits can be requested only once the facility has been approved."))
    if quantity is None or quantity < 1:
        raise BadRequest(_("The quantity must be at least 1."))
    if quantity > kit.quantity_total:
        raise BadRequest(
            _("This kit has only %(total)d units in total; ask for %(total)d or fewer.")
            % {"total": kit.quantity_total}
        )
    with transaction.atomic():
        kit_request = KitRequest(
            kit=kit,
            facility=facility,
            quantity=quantity,
            purpose=purpose or "",
            status=S.SUBMITTED,
            origin=KitRequestOrigin.REQUEST,
            created_by=by,
        )
        kit_request._history_user = by
        kit_request.save()
        record_transition(kit_request, "", S.SUBMITTED, by, "")
        _notify_reviewers(kit_request, "kit_submitted")
    return kit_request


def allotment_source(*, kit_id, province_id, by):
    """The allotment a request of the province takes its units from, or None.

    With no allotment for the province, only national administrators (or the platform) may
    take units, from the kit's unallotted stock; a coordinator is refused (409).
    """
    allotment = Allotment.objects.filter(kit_id=kit_id, province_id=province_id).order_by().first()
    if allotment is None and by is not None and not get_scope(by).is_admin:
        raise DomainError(
            _(
                "This province has no allotment of this kit; only a national administrator "
                "can approve the request, from the unallotted stock."
            )
        )
    return allotment


def reserve_units(*, kit_id, allotment, quantity):
    """Take `quantity` units from the allotment when there is one, else from unallotted stock."""
    if allotment is None:
        take_stock(kit_id=kit_id, quantity=quantity)
    else:
        take_allotted_stock(kit_id=kit_id, allotment_id=allotment.pk, quantity=quantity)


def release_units(*, kit_id, allotment_id, quantity):
    """Give back units reserved by reserve_units, to where they were taken from."""
    if allotment_id is None:
        return_stock(kit_id=kit_id, quantity=quantity)
    else:
        return_allotted_stock(kit_id=kit_id, allotment_id=allotment_id, quantity=quantity)


@transaction.atomic
def approve_request(*, kit_request, by, note=""):
    """Approve a submitted request and reserve its stock, at two levels.

    A request of a province with an allotment of the kit takes its units from that allotment
    (whoever approves it) and never lets the allotment's `used` exceed its quantity; without
    an allotment only administrators approve, from the unallotted stock, which never eats
    into the allotments. Either way the kit's quantity_available never goes below zero,
    whatever the number of concurrent approvals (conditional UPDATEs in services.stock);
    refusals are InsufficientStock naming what is left. The request row is locked, so a
    concurrent cancel and approve never both take effect.
    """
    locked = _lock(kit_request)
    _require(can_review(by, locked))
    if not can_transition(locked, S.APPROVED):
        raise InvalidTransition(_transition_refused_message(S.APPROVED, locked.status))
    allotment = allotment_source(
        kit_id=locked.kit_id, province_id=locked.facility.province_id, by=by
    )
    _move(locked, S.APPROVED, by, note, approved_at=timezone.now(), allotment=allotment)
    _notify_facility(locked, "kit_approved")
    # Stock last: the allotment and kit rows stay locked only from here to the commit, so
    # approvals of the same kit wait for each other as briefly as possible. A refusal rolls
    # back the move.
    reserve_units(kit_id=locked.kit_id, allotment=allotment, quantity=locked.quantity)
    record_stock_history(
        kit_id=locked.kit_id, by=by, reason=_("Request #%(id)d approved") % {"id": locked.pk}
    )
    return _copy_back(kit_request, locked)


@transaction.atomic
def reject_request(*, kit_request, by, reason):
    """Reject a submitted request; a reason the facility can read is required."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest(_("Give the reason for the rejection."))
    locked = _lock(kit_request)
    _require(can_review(by, locked))
    _move(locked, S.REJECTED, by, reason, reject_reason=reason, closed_at=timezone.now())
    _notify_facility(locked, "kit_rejected")
    return _copy_back(kit_request, locked)


@transaction.atomic
def ship_request(*, kit_request, by, carrier, tracking_number, note=""):
    """Mark an approved request as shipped with the carrier and tracking number."""
    carrier = (carrier or "").strip()
    tracking_number = (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise BadRequest(_("Give the carrier and the tracking number of the shipment."))
    locked = _lock(kit_request)
    _require(can_review(by, locked))
    _move(
        locked,
        S.SHIPPED,
        by,
        note,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=timezone.now(),
    )
    _notify_facility(locked, "kit_shipped")
    return _copy_back(kit_request, locked)


def _receipt_figures(*, quantity, condition, quantity_received, quantity_damaged):
    """(condition, received, missing, damaged) of a receipt, or BadRequest saying what to fix.

    `complete` (the default) means every unit arrived in good order; `short` that fewer
    arrived; `damaged` that some of the units that arrived are damaged (how many must be said).
    """
    condition = condition or ReceiptCondition.COMPLETE
    if condition not in ReceiptCondition.values:
        raise BadRequest(_("The condition must be complete, short or damaged."))
    received = quantity if quantity_received is None else quantity_received
    if received < 0 or received > quantity:
        raise BadRequest(
            _("The quantity received must be between 0 and the %(n)d units shipped.")
            % {"n": quantity}
        )
    damaged = quantity_damaged or 0
    if condition == ReceiptCondition.COMPLETE:
        if received != quantity or damaged:
            raise BadRequest(
                _(
                    "A complete receipt means all %(n)d units arrived in good order; choose "
                    "“short” or “damaged” otherwise."
                )
                % {"n": quantity}
            )
    elif condition == ReceiptCondition.SHORT:
        if received == quantity:
            raise BadRequest(
                _("A short receipt needs a quantity received below the %(n)d units shipped.")
                % {"n": quantity}
            )
        if damaged > received:
            raise BadRequest(_("More units are said damaged than arrived."))
    elif not 1 <= damaged <= received:
        raise BadRequest(
            _("Say how many of the %(n)d units that arrived are damaged (at least 1).")
            % {"n": received}
        )
    return condition, received, quantity - received, damaged


def receipt_note(discrepancy):
    return _("Discrepancy opened: %(missing)d missing, %(damaged)d damaged.") % {
        "missing": discrepancy.quantity_missing,
        "damaged": discrepancy.quantity_damaged,
    }


def receive_request(
    *,
    kit_request,
    by,
    note="",
    quantity_received=None,
    condition="",
    quantity_damaged=None,
    photo=None,
):
    """Confirm, as staff of the requesting facility, what of a shipped kit arrived.

    Without figures, the whole quantity arrived complete. A short or damaged receipt records
    the quantity received and opens one discrepancy for the administrators to resolve; the
    request's timeline shows both. A photo of what arrived (optional) is checked and
    re-encoded like activity photos before anything is written; a refused photo refuses the
    receipt, and the stored file is removed again when the receipt cannot be written.
    """
    clean = None
    if photo is not None:
        # Refuse an outsider before storing anything; the locked row is checked again below.
        _require(can_receive(by, kit_request))
        clean = clean_photo(photo)
    field = KitRequest._meta.get_field("receipt_photo")
    stored = None
    try:
        with transaction.atomic():
            if clean is not None:
                name = field.generate_filename(None, f"receipt{clean.extension}")
                stored = field.storage.save(name, ContentFile(clean.content))
            return _receive(
                kit_request=kit_request,
                by=by,
                note=note,
                quantity_received=quantity_received,
                condition=condition,
                quantity_damaged=quantity_damaged,
                photo_name=stored or "",
            )
    except Exception:
        if stored:
            field.storage.delete(stored)
        raise


def _receive(*, kit_request, by, note, quantity_received, condition, quantity_damaged, photo_name):
    locked = _lock(kit_request)
    _require(can_receive(by, locked))
    if not can_transition(locked, S.RECEIVED):
        raise InvalidTransition(_transition_refused_message(S.RECEIVED, locked.status))
    condition, received, missing, damaged = _receipt_figures(
        quantity=locked.quantity,
        condition=condition,
        quantity_received=quantity_received,
        quantity_damaged=quantity_damaged,
    )
    _move(
        locked,
        S.RECEIVED,
        by,
        note,
        received_at=timezone.now(),
        quantity_received=received,
        condition=condition,
        **({"receipt_photo": photo_name} if photo_name else {}),
    )
    if condition != ReceiptCondition.COMPLETE:
        discrepancy = Discrepancy.objects.create(
            kit_request=locked,
            kind=DiscrepancyKind.DAMAGED if damaged else DiscrepancyKind.SHORT,
            quantity_missing=missing,
            quantity_damaged=damaged,
            note=note or "",
        )
        record_transition(locked, S.RECEIVED, S.RECEIVED, by, receipt_note(discrepancy))
        _notify_reviewers(locked, "kit_discrepancy")
    return _copy_back(kit_request, locked)


@transaction.atomic
def cancel_request(*, kit_request, by, note=""):
    """Cancel a submitted or approved request; an approved one gives its stock back, to the
    allotment it was taken from (if any) and the kit.

    The request row is locked first, so a cancel racing an approval either sees it approved
    (and returns the stock) or wins and makes the approval fail: never both effects.
    """
    locked = _lock(kit_request)
    _require(can_cancel(by, locked))
    held = locked.status in STOCK_HOLDING_STATUSES
    if not can_transition(locked, S.CANCELLED):
        raise InvalidTransition(_transition_refused_message(S.CANCELLED, locked.status))
    if held:
        release_units(
            kit_id=locked.kit_id, allotment_id=locked.allotment_id, quantity=locked.quantity
        )
        record_stock_history(
            kit_id=locked.kit_id,
            by=by,
            reason=_("Request #%(id)d cancelled") % {"id": locked.pk},
        )
    _move(locked, S.CANCELLED, by, note, closed_at=timezone.now())
    return _copy_back(kit_request, locked)


def create_kit(*, kit, by):
    """Save a new kit with every one of its units available; its history names `by`."""
    kit.quantity_available = kit.quantity_total
    kit.quantity_allotted = kit.quantity_allotted_left = 0
    kit._history_user = _acting_user(by)
    kit.save()
    return kit


def update_kit(*, kit, by, changed_fields, quantity_total=None):
    """Save the descriptive fields named in `changed_fields` and, when given, the total stock.

    Stock never moves here but through change_total_stock, and the fields saved exclude the
    stock columns, so a stale quantity_available in `kit` is never written back.
    """
    with transaction.atomic():
        if quantity_total is not None:
            try:
                change_total_stock(kit=kit, quantity_total=quantity_total, by=by)
            except DomainError as error:
                error.field = "quantity_total"
                raise
        others = [name for name in changed_fields if name not in STOCK_FIELDS]
        if others:
            kit._history_user = _acting_user(by)
            kit.save(update_fields=[*others, "updated_at"])
    return kit


def change_total_stock(*, kit, quantity_total, by):
    """Set a kit's total stock (restock or write-off) without losing concurrent reservations.

    One conditional UPDATE moves total and available by the same difference, so units that
    approvals hold stay held; refused when fewer units than that are still available.
    """
    from django.db.models import F

    with transaction.atomic():
        current = Kit.objects.select_for_update().get(pk=kit.pk)
        delta = quantity_total - current.quantity_total
        if delta == 0:
            return current
        # A smaller total must still cover the units held and the provinces' allotments.
        updated = Kit.objects.filter(
            pk=kit.pk,
            quantity_available__gte=F("quantity_allotted_left") - delta,
            quantity_allotted__lte=F("quantity_total") + delta,
        ).update(
            quantity_total=F("quantity_total") + delta,
            quantity_available=F("quantity_available") + delta,
        )
        if updated != 1:
            raise DomainError(
                _(
                    "The total cannot go below the %(held)d units held by approved requests "
                    "plus the %(left)d allotted units not used yet."
                )
                % {
                    "held": current.quantity_total - current.quantity_available,
                    "left": current.quantity_allotted_left,
                }
            )
        fresh = record_stock_history(
            kit_id=kit.pk, by=by, reason=_("Total stock set to %(n)d") % {"n": quantity_total}
        )
    kit.quantity_total = fresh.quantity_total
    kit.quantity_available = fresh.quantity_available
    return fresh
