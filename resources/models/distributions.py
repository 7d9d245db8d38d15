"""Bulk distributions of a kit to many facilities, and the facilities they skipped."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .kits import Kit


class DistributionStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Distribution(models.Model):
    """A push of one kit to many facilities at once, processed in chunks by a task."""

    kit = models.ForeignKey(
        Kit, verbose_name=_("kit"), on_delete=models.PROTECT, related_name="distributions"
    )
    quantity_per_facility = models.PositiveIntegerField(_("quantity per facility"))
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("participants of campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="distributions",
    )
    province = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("facility kind"), max_length=32, blank=True)
    facility_ids = models.JSONField(_("explicit facilities"), default=list, blank=True)
    allow_partial = models.BooleanField(
        _("as far as stock allows"),
        default=False,
        help_text=_("Allocate in order of facility id until stock runs out instead of refusing."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DistributionStatus.choices,
        default=DistributionStatus.QUEUED,
    )
    # Frozen when the task starts, so that a resumed run continues deterministically: the
    # eligible facility ids in allocation order, the index of the next one, and the stock units
    # reserved up front and not yet turned into allocations.
    targets = models.JSONField(_("eligible facilities, in order"), default=list, blank=True)
    cursor = models.PositiveIntegerField(_("next target"), default=0)
    reserved = models.PositiveIntegerField(_("units reserved"), default=0)
    # Part of `reserved` taken from provincial allotments, frozen at prepare:
    # {province code: {"allotment": id, "units": still reserved}}.
    allotment_plan = models.JSONField(_("units reserved per allotment"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("targets"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    allocated = models.PositiveIntegerField(_("allocated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_per_facility__gt=0), name="distribution_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")), name="distribution_processed_within_total"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kit.code}"


class SkipReason(models.TextChoices):
    UNKNOWN_FACILITY = "unknown_facility", _("No facility has this id or name")
    AMBIGUOUS_NAME = "ambiguous_name", _("Several facilities have this name; give the id")
    NOT_APPROVED = "not_approved", _("The facility is not approved")
    NOT_PARTICIPANT = "not_participant", _("Not an approved participant of the campaign")
    OUTSIDE_PROVINCE = "outside_province", _("Outside the chosen province")
    OTHER_KIND = "other_kind", _("Not of the chosen kind of facility")
    ALREADY_ALLOCATED = "already_allocated", _("Already has an allocation from this distribution")
    OUT_OF_STOCK = "out_of_stock", _("Left out: the stock ran out (allocated by facility id)")


class DistributionSkip(models.Model):
    distribution = models.ForeignKey(
        Distribution,
        verbose_name=_("distribution"),
        on_delete=models.CASCADE,
        related_name="skips",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    facility_label = models.CharField(_("facility as given"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=255, choices=SkipReason.choices)

    class Meta:
        verbose_name = _("skipped facility")
        verbose_name_plural = _("skipped facilities")
        constraints = [
            models.UniqueConstraint(
                fields=["distribution", "facility"],
                condition=Q(facility__isnull=False),
                name="distribution_skip_unique",
            )
        ]

    def __str__(self):
        return f"{self.facility_label or self.facility_id}: {self.reason}"
