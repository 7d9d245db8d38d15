"""Physical kits, the requests for them and each request's timeline."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.validators import validate_picture
from facilities.roles import get_scope


class Kit(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="kits",
    )
    description = models.TextField(_("description"), blank=True)
    contents = models.TextField(_("contents"), blank=True)
    photo = models.ImageField(
        _("photo"), upload_to="kits/", blank=True, max_length=300, validators=[validate_picture]
    )
    quantity_total = models.PositiveIntegerField(_("total quantity"), default=0)
    quantity_available = models.PositiveIntegerField(_("available quantity"), default=0)
    # Kept by services.stock in the same statements that move the allotments: the sum of the
    # provinces' allotments, and the part of it not used yet. Unallotted free stock is
    # quantity_available - quantity_allotted_left.
    quantity_allotted = models.PositiveIntegerField(_("allotted to provinces"), default=0)
    quantity_allotted_left = models.PositiveIntegerField(_("allotted, not used yet"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kit")
        verbose_name_plural = _("kits")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_available__gte=0)
                & Q(quantity_available__lte=F("quantity_total")),
                name="kit_available_within_total",
            ),
            models.CheckConstraint(
                condition=Q(quantity_allotted__lte=F("quantity_total"))
                & Q(quantity_allotted_left__lte=F("quantity_allotted"))
                & Q(quantity_allotted_left__lte=F("quantity_available")),
                name="kit_allotments_within_stock",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class KitRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class KitRequestOrigin(models.TextChoices):
    REQUEST = "request", _("Request by the facility")
    DISTRIBUTION = "distribution", _("Bulk distribution")


class ReceiptCondition(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    SHORT = "short", _("Short: fewer units arrived")
    DAMAGED = "damaged", _("Damaged units")


class KitRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Admins: all; coordinators: their provinces; facility staff: their own facilities."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        condition = Q(pk__in=[])
        if scope.facility_ids:
            condition |= Q(facility_id__in=scope.facility_ids)
        if scope.province_codes:
            condition |= Q(facility__province_id__in=scope.province_codes)
        return self.filter(condition)

    def reviewable_by(self, user):
        """Requests the user may approve, reject or ship."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(facility__province_id__in=scope.province_codes)
        return self.none()


class KitRequest(models.Model):
    kit = models.ForeignKey(
        Kit, verbose_name=_("kit"), on_delete=models.PROTECT, related_name="requests"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="kit_requests",
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    purpose = models.TextField(_("purpose"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=KitRequestStatus.choices,
        default=KitRequestStatus.SUBMITTED,
    )
    origin = models.CharField(
        _("origin"),
        max_length=16,
        choices=KitRequestOrigin.choices,
        default=KitRequestOrigin.REQUEST,
    )
    distribution = models.ForeignKey(
        "resources.Distribution",
        verbose_name=_("distribution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("rejected or cancelled at"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    # Receipt and allotments (see the end of this module).
    allotment = models.ForeignKey(
        "resources.Allotment",
        verbose_name=_("taken from the allotment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    quantity_received = models.PositiveIntegerField(_("quantity received"), null=True, blank=True)
    condition = models.CharField(
        _("condition on arrival"), max_length=16, choices=ReceiptCondition.choices, blank=True
    )
    # What the facility saw on arrival (a damaged box, a short delivery), re-encoded without
    # metadata like every photo taken on the platform.
    receipt_photo = models.ImageField(
        _("photo on arrival"), upload_to="kits/receipts/%Y/%m/", blank=True, max_length=300
    )
    last_reminded_on = models.DateField(_("last receipt reminder"), null=True, blank=True)

    history = HistoricalRecords()
    objects = KitRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("kit request")
        verbose_name_plural = _("kit requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "kit"]),
            models.Index(fields=["facility", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="kit_request_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["distribution", "facility"],
                condition=Q(distribution__isnull=False),
                name="one_allocation_per_distribution_and_facility",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(quantity_received__lte=F("quantity")),
                name="kit_request_received_within_quantity",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kit.code} × {self.quantity} → {self.facility}"


class KitRequestTransition(models.Model):
    """The timeline of a request: every status change with who, when and a note."""

    kit_request = models.ForeignKey(
        KitRequest,
        verbose_name=_("kit request"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from"), max_length=16, choices=KitRequestStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=KitRequestStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("kit request transition")
        verbose_name_plural = _("kit request transitions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"
