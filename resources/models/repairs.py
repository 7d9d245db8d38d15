"""Exhibit care: hand-over checklists, repair tickets and known faults."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from facilities.roles import get_scope

from .exhibits import Exhibit, ExhibitionSet, set_managers_condition


class HandOverStage(models.TextChoices):
    SETUP = "setup", _("Set-up")
    DISMANTLE = "dismantle", _("Dismantle")


class HandOverCondition(models.TextChoices):
    OK = "ok", _("In order")
    DAMAGED = "damaged", _("Damaged")
    MISSING = "missing", _("Missing")


class HandOver(models.Model):
    """The checklist of a set at one set-up or dismantle of a stop: one item per exhibit."""

    stop = models.ForeignKey(
        "events.TourStop",
        verbose_name=_("tour stop"),
        on_delete=models.CASCADE,
        related_name="handovers",
    )
    stage = models.CharField(_("stage"), max_length=16, choices=HandOverStage.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("hand-over checklist")
        verbose_name_plural = _("hand-over checklists")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["stop", "stage"], name="handover_once_per_stage")
        ]

    def __str__(self):
        return f"{self.stop_id} {self.stage}"


class HandOverItem(models.Model):
    handover = models.ForeignKey(
        HandOver, verbose_name=_("hand-over"), on_delete=models.CASCADE, related_name="items"
    )
    exhibit = models.ForeignKey(
        Exhibit, verbose_name=_("exhibit"), on_delete=models.CASCADE, related_name="handover_items"
    )
    condition = models.CharField(_("condition"), max_length=16, choices=HandOverCondition.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to="handovers/%Y/%m/", blank=True, max_length=300)

    class Meta:
        verbose_name = _("hand-over item")
        verbose_name_plural = _("hand-over items")
        ordering = ["handover", "exhibit"]
        constraints = [
            models.UniqueConstraint(
                fields=["handover", "exhibit"], name="handover_item_once_per_exhibit"
            )
        ]

    def __str__(self):
        return f"{self.exhibit_id}: {self.condition}"


class RepairCause(models.TextChoices):
    MISUSE = "misuse", _("Misuse")
    WEAR = "wear", _("Wear")
    TRANSPORT = "transport", _("Transport")
    DEFECT = "defect", _("Defect")
    OTHER = "other", _("Other")


class RepairSeverity(models.TextChoices):
    BLOCKING = "blocking", _("Blocking")
    DEGRADED = "degraded", _("Degraded")
    COSMETIC = "cosmetic", _("Cosmetic")


class RepairStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DIAGNOSING = "diagnosing", _("Diagnosing")
    RESOLVED = "resolved", _("Resolved")
    WRITTEN_OFF = "written_off", _("Written off")


# Statuses of a ticket still being worked on.
REPAIR_OPEN_STATUSES = (RepairStatus.OPEN, RepairStatus.DIAGNOSING)


class RepairTicketQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators see all; the set's managers (operator staff, the operator's province
        coordinators) see the set's tickets; host staff see tickets of stops they host and the
        tickets they opened."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if not scope.is_authenticated:
            return self.none()
        condition = set_managers_condition(scope, "exhibition_set__") | Q(opened_by=user)
        if scope.facility_ids:
            condition |= Q(stop__host_id__in=scope.facility_ids)
        return self.filter(condition)

    def managed_by(self, user):
        scope = get_scope(user)
        if scope.is_admin:
            return self
        return self.filter(set_managers_condition(scope, "exhibition_set__"))

    def still_open(self):
        return self.filter(status__in=REPAIR_OPEN_STATUSES)

    def by_urgency(self):
        """Blocking first, then degraded, then cosmetic; oldest first within a severity."""
        rank = models.Case(
            models.When(severity=RepairSeverity.BLOCKING, then=0),
            models.When(severity=RepairSeverity.DEGRADED, then=1),
            default=2,
            output_field=models.IntegerField(),
        )
        return self.alias(severity_rank=rank).order_by("severity_rank", "opened_at", "id")


class RepairTicket(models.Model):
    """A fault of one exhibit, from report to repair or write-off."""

    exhibit = models.ForeignKey(
        Exhibit, verbose_name=_("exhibit"), on_delete=models.CASCADE, related_name="repair_tickets"
    )
    # Denormalised from the exhibit: one indexed column for lists, scoping and figures.
    exhibition_set = models.ForeignKey(
        ExhibitionSet,
        verbose_name=_("exhibition set"),
        on_delete=models.CASCADE,
        related_name="repair_tickets",
        editable=False,
    )
    stop = models.ForeignKey(
        "events.TourStop",
        verbose_name=_("tour stop"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_tickets",
    )
    handover_item = models.ForeignKey(
        HandOverItem,
        verbose_name=_("found at hand-over"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_tickets",
    )
    fault = models.TextField(_("fault"))
    cause = models.CharField(
        _("cause"), max_length=16, choices=RepairCause.choices, default=RepairCause.OTHER
    )
    severity = models.CharField(_("severity"), max_length=16, choices=RepairSeverity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RepairStatus.choices, default=RepairStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    known_fault = models.ForeignKey(
        "KnownFault",
        verbose_name=_("known fault"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RepairTicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair ticket")
        verbose_name_plural = _("repair tickets")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "severity"]),
            models.Index(fields=["exhibition_set", "status"]),
            models.Index(fields=["exhibit", "status"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.exhibit_id}"

    def save(self, *args, **kwargs):
        if self.exhibit_id and not self.exhibition_set_id:
            self.exhibition_set_id = self.exhibit.exhibition_set_id
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.status in REPAIR_OPEN_STATUSES


class RepairTicketTransition(models.Model):
    """The timeline of a ticket: who changed it, when, and what they wrote."""

    ticket = models.ForeignKey(
        RepairTicket,
        verbose_name=_("repair ticket"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from"), max_length=16, choices=RepairStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=16, choices=RepairStatus.choices)
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
        verbose_name = _("repair ticket transition")
        verbose_name_plural = _("repair ticket transitions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.ticket_id}: {self.from_status} → {self.to_status}"


class RepairTicketPhoto(models.Model):
    ticket = models.ForeignKey(
        RepairTicket,
        verbose_name=_("repair ticket"),
        on_delete=models.CASCADE,
        related_name="photos",
    )
    image = models.ImageField(
        _("image"),
        upload_to="repairs/%Y/%m/",
        width_field="width",
        height_field="height",
        max_length=300,
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair ticket photo")
        verbose_name_plural = _("repair ticket photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.image.name


class KnownFault(models.Model):
    """A symptom seen on an exhibit model and the fix that worked; grows from resolved tickets."""

    model = models.CharField(_("exhibit model"), max_length=100, db_index=True)
    symptom = models.TextField(_("symptom"))
    fix = models.TextField(_("fix"))
    times_used = models.PositiveIntegerField(_("times used"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("known fault")
        verbose_name_plural = _("known faults")
        ordering = ["model", "-times_used", "id"]

    def __str__(self):
        return f"{self.model}: {self.symptom[:40]}"
