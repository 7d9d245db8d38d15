"""Kit allotments per province, and the discrepancies found on receipt."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from facilities.roles import get_scope

from .kits import Kit, KitRequest


class AllotmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators: all; coordinators: their provinces'; nobody else."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(province_id__in=scope.province_codes)
        return self.none()


class Allotment(models.Model):
    """The part of a kit's stock the centre sets aside for one province.

    `used` is what approved (shipped, received) requests of the province took from it; it
    moves only through services.stock, in the same statements as the kit's counters.
    """

    kit = models.ForeignKey(
        Kit, verbose_name=_("kit"), on_delete=models.PROTECT, related_name="allotments"
    )
    province = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="kit_allotments",
    )
    quantity = models.PositiveIntegerField(_("units allotted"))
    used = models.PositiveIntegerField(_("units used"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AllotmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("allotment")
        verbose_name_plural = _("allotments")
        ordering = ["kit", "province"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "province"], name="one_allotment_per_province"),
            models.CheckConstraint(
                condition=Q(used__lte=F("quantity")), name="allotment_used_within_quantity"
            ),
        ]

    def __str__(self):
        return f"{self.kit.code} → {self.province_id}: {self.used}/{self.quantity}"

    @property
    def left(self):
        return self.quantity - self.used


class DiscrepancyKind(models.TextChoices):
    SHORT = "short", _("Short delivery")
    DAMAGED = "damaged", _("Damaged units")


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class DiscrepancyResolution(models.TextChoices):
    REPLACEMENT = "replacement", _("Replacement sent")
    WRITTEN_OFF = "written_off", _("Written off")
    CLOSED = "closed", _("Closed")


class DiscrepancyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators: all; coordinators: their provinces'; nobody else."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(kit_request__facility__province_id__in=scope.province_codes)
        return self.none()


class Discrepancy(models.Model):
    """What a receipt found missing or damaged, until the centre resolves it."""

    kit_request = models.OneToOneField(
        KitRequest,
        verbose_name=_("kit request"),
        on_delete=models.PROTECT,
        related_name="discrepancy",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DiscrepancyKind.choices)
    quantity_missing = models.PositiveIntegerField(_("units missing"), default=0)
    quantity_damaged = models.PositiveIntegerField(_("units damaged"), default=0)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DiscrepancyStatus.choices,
        default=DiscrepancyStatus.OPEN,
    )
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=DiscrepancyResolution.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    replacement = models.OneToOneField(
        KitRequest,
        verbose_name=_("replacement request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    quantity_written_off = models.PositiveIntegerField(_("units written off"), default=0)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DiscrepancyQuerySet.as_manager()

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "opened_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_missing__gt=0) | Q(quantity_damaged__gt=0),
                name="discrepancy_has_units",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} ({self.kit_request_id})"

    @property
    def units(self):
        return self.quantity_missing + self.quantity_damaged
