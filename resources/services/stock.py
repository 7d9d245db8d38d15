"""Stock of physical kits, changed only by the functions here.

Each is a short sequence of single conditional UPDATE statements, so concurrent callers can
never take more than is available nor give back more than was taken; the CHECK constraints
on Kit and Allotment are the last guard.

Two levels: a kit's `quantity_available`, and the provinces' allotments carved out of it.
`Kit.quantity_allotted_left` is the sum of what the allotments have not used yet, so the
unallotted free stock is `quantity_available - quantity_allotted_left`; a request without an
allotment may only take from that. When a function touches an allotment and the kit, it
updates the allotment row first and the kit row second: every caller takes the row locks in
that order (allotments among themselves by primary key), so two transactions never deadlock.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from config.errors import DomainError, InsufficientStock

from ..models import Allotment, Kit


def _unallotted_left(kit_id):
    row = Kit.objects.filter(pk=kit_id).values("quantity_available", "quantity_allotted_left")
    row = row.first()
    return row["quantity_available"] - row["quantity_allotted_left"] if row else 0


def take_stock(*, kit_id, quantity):
    """Reserve `quantity` units from the kit's unallotted stock; raises InsufficientStock
    naming what is left.

    Never lets quantity_available go below zero nor eat into the provinces' allotments,
    whatever the number of concurrent callers. Call it inside the transaction that records
    what the stock was taken for.
    """
    updated = Kit.objects.filter(
        pk=kit_id, quantity_available__gte=F("quantity_allotted_left") + quantity
    ).update(quantity_available=F("quantity_available") - quantity)
    if updated != 1:
        raise InsufficientStock(
            _("Not enough stock: %(requested)d requested, %(available)d available.")
            % {"requested": quantity, "available": _unallotted_left(kit_id)}
        )


def return_stock(*, kit_id, quantity):
    """Give back `quantity` unallotted units taken earlier; never above the total."""
    updated = Kit.objects.filter(
        pk=kit_id, quantity_available__lte=F("quantity_total") - quantity
    ).update(quantity_available=F("quantity_available") + quantity)
    if updated != 1:
        raise InsufficientStock(_("The returned quantity would exceed the kit's total stock."))


def take_allotted_stock(*, kit_id, allotment_id, quantity):
    """Reserve `quantity` units from a province's allotment (and so from the kit).

    Never lets the allotment's `used` exceed its quantity, whatever the number of concurrent
    callers: one conditional UPDATE of the allotment row, then one of the kit row.
    """
    updated = Allotment.objects.filter(pk=allotment_id, used__lte=F("quantity") - quantity).update(
        used=F("used") + quantity
    )
    if updated != 1:
        row = Allotment.objects.filter(pk=allotment_id).values("quantity", "used").first()
        left = row["quantity"] - row["used"] if row else 0
        raise InsufficientStock(
            _(
                "Not enough left in the province's allotment: %(requested)d requested, "
                "%(left)d left."
            )
            % {"requested": quantity, "left": left}
        )
    updated = Kit.objects.filter(
        pk=kit_id, quantity_available__gte=quantity, quantity_allotted_left__gte=quantity
    ).update(
        quantity_available=F("quantity_available") - quantity,
        quantity_allotted_left=F("quantity_allotted_left") - quantity,
    )
    if updated != 1:  # the kit's counters disagree with the allotment: refuse, roll back
        raise InsufficientStock(_("The kit's stock does not cover its allotments."))


def return_allotted_stock(*, kit_id, allotment_id, quantity):
    """Give back `quantity` units taken from an allotment, to the allotment and the kit."""
    updated = Allotment.objects.filter(pk=allotment_id, used__gte=quantity).update(
        used=F("used") - quantity
    )
    if updated != 1:
        raise InsufficientStock(_("The returned quantity exceeds what the allotment used."))
    updated = Kit.objects.filter(
        pk=kit_id, quantity_available__lte=F("quantity_total") - quantity
    ).update(
        quantity_available=F("quantity_available") + quantity,
        quantity_allotted_left=F("quantity_allotted_left") + quantity,
    )
    if updated != 1:
        raise InsufficientStock(_("The returned quantity would exceed the kit's total stock."))


def change_allotted(*, kit_id, delta):
    """Add `delta` (may be negative) units to the kit's allotted and allotted-left counters.

    Refused (InsufficientStock) when the allotments would sum over the kit's total, or when
    the unallotted free stock cannot cover the growth (units already held by requests that
    took from the unallotted stock cannot be allotted).
    """
    if delta == 0:
        return
    queryset = Kit.objects.filter(pk=kit_id)
    if delta > 0:
        queryset = queryset.filter(
            quantity_allotted__lte=F("quantity_total") - delta,
            quantity_available__gte=F("quantity_allotted_left") + delta,
        )
    else:
        queryset = queryset.filter(
            quantity_allotted__gte=-delta, quantity_allotted_left__gte=-delta
        )
    updated = queryset.update(
        quantity_allotted=F("quantity_allotted") + delta,
        quantity_allotted_left=F("quantity_allotted_left") + delta,
    )
    if updated != 1:
        kit = Kit.objects.get(pk=kit_id)
        free = kit.quantity_available - kit.quantity_allotted_left
        raise InsufficientStock(
            _(
                "Allotments of %(kit)s cannot grow by %(delta)d units: %(allotted)d of "
                "%(total)d are allotted already and %(free)d unallotted units are free."
            )
            % {
                "kit": kit.code,
                "delta": delta,
                "allotted": kit.quantity_allotted,
                "total": kit.quantity_total,
                "free": free,
            }
        )


def write_off_stock(*, kit_id, allotment_id, quantity):
    """Remove `quantity` units held by a request from the kit's total (lost or damaged).

    The units are already out of `quantity_available`; with an allotment they also leave its
    quantity and its `used`, so what the province has left does not change.
    """
    if allotment_id is not None:
        updated = Allotment.objects.filter(pk=allotment_id, used__gte=quantity).update(
            quantity=F("quantity") - quantity, used=F("used") - quantity
        )
        if updated != 1:
            raise DomainError(_("The allotment does not hold these units any more."))
    queryset = Kit.objects.filter(pk=kit_id, quantity_available__lte=F("quantity_total") - quantity)
    changes = {"quantity_total": F("quantity_total") - quantity}
    if allotment_id is not None:
        changes["quantity_allotted"] = F("quantity_allotted") - quantity
    else:
        queryset = queryset.filter(quantity_allotted__lte=F("quantity_total") - quantity)
    updated = queryset.update(**changes)
    if updated != 1:
        raise DomainError(_("The kit's stock does not hold these units any more."))
