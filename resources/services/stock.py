"""Stock of physical kits, changed only by these two functions.

Both are single conditional UPDATE statements, so concurrent callers can never take more than
is available nor give back more than was taken; the CHECK constraint on Kit is the last guard.
"""

from django.db.models import F
from django.utils.translation import gettext as _

from config.errors import InsufficientStock

from ..models import Kit


def take_stock(*, kit_id, quantity):
    """Reserve `quantity` units of a kit; raises InsufficientStock naming what is left.

    Never lets quantity_available go below zero, whatever the number of concurrent callers.
    Call it inside the transaction that records what the stock was taken for.
    """
    updated = Kit.objects.filter(pk=kit_id, quantity_available__gte=quantity).update(
        quantity_available=F("quantity_available") - quantity
    )
    if updated != 1:
        available = Kit.objects.filter(pk=kit_id).values_list("quantity_available", flat=True)
        left = available[0] if available else 0
        raise InsufficientStock(
            _("Not enough stock: %(requested)d requested, %(available)d available.")
            % {"requested": quantity, "available": left}
        )


def return_stock(*, kit_id, quantity):
    """Give back `quantity` units taken earlier; never raises available above the total."""
    updated = Kit.objects.filter(
        pk=kit_id, quantity_available__lte=F("quantity_total") - quantity
    ).update(quantity_available=F("quantity_available") + quantity)
    if updated != 1:
        raise InsufficientStock(_("The returned quantity would exceed the kit's total stock."))
