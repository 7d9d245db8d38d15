from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.validators import validate_picture
from facilities.roles import get_scope


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class CampaignQuerySet(models.QuerySet):
    def public(self):
        return self.exclude(status=CampaignStatus.DRAFT)

    def visible_to(self, user):
        if get_scope(user).is_admin:
            return self
        return self.public()

    def current(self):
        """The campaign the home page shows: the latest active one, else the latest closed."""
        return (
            self.public()
            .order_by(
                models.Case(models.When(status=CampaignStatus.ACTIVE, then=0), default=1),
                "-starts_on",
                "-id",
            )
            .first()
        )


class Campaign(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    host = models.CharField(_("host"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    launch_place = models.CharField(_("launch place"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    banner = models.ImageField(
        _("banner image"),
        upload_to="campaigns/banners/",
        blank=True,
        validators=[validate_picture],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title


class ParticipationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ParticipationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Approved participations of public campaigns for all; pending ones for those involved."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        condition = Q(status=ParticipationStatus.APPROVED)
        if scope.facility_ids:
            condition |= Q(facility_id__in=scope.facility_ids)
        if scope.province_codes:
            condition |= Q(facility__province_id__in=scope.province_codes)
        return self.filter(condition, campaign__in=Campaign.objects.public())

    def managed_by(self, user):
        """Participations a reviewer follows: all for administrators, a coordinator's provinces."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(
                facility__province_id__in=scope.province_codes,
                campaign__in=Campaign.objects.public(),
            )
        return self.none()


class Participation(models.Model):
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ParticipationStatus.choices,
        default=ParticipationStatus.APPLIED,
    )
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flag_awarded_at = models.DateTimeField(_("flag awarded at"), null=True, blank=True)
    flag_awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flag awarded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    flag_ceremony = models.ForeignKey(
        "events.Activity",
        verbose_name=_("flag ceremony"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags_awarded",
    )

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["campaign", "facility__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "facility"], name="participation_unique_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(flag_awarded_at__isnull=True) | Q(status="approved"),
                name="participation_flag_needs_approval",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return f"{self.facility} – {self.campaign}"


# ---------------------------------------------------------------------------
# Assessment: each facility's monthly report, signed off level by level
# ---------------------------------------------------------------------------


class MonthlyReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PROVINCE_APPROVED = "province_approved", _("Approved by the province")
    ACCEPTED = "accepted", _("Accepted")


# Statuses in which a month is frozen: its figures are stored and its field work is locked.
FROZEN_REPORT_STATUSES = (
    MonthlyReportStatus.SUBMITTED,
    MonthlyReportStatus.PROVINCE_APPROVED,
    MonthlyReportStatus.ACCEPTED,
)


class MonthlyReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Administrators: all; coordinators: their provinces'; staff: their facilities'."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        condition = Q(pk__in=[])
        if scope.facility_ids:
            condition |= Q(facility_id__in=scope.facility_ids)
        if scope.province_codes:
            condition |= Q(facility__province_id__in=scope.province_codes)
        return self.filter(condition)

    def frozen(self):
        return self.filter(status__in=FROZEN_REPORT_STATUSES)


class MonthlyReport(models.Model):
    """One facility's month of field work: figures computed by the platform, a summary
    written by the facility, signed off by its province and then by the centre."""

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="monthly_reports",
    )
    # The first day of the month reported on.
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=MonthlyReportStatus.choices,
        default=MonthlyReportStatus.DRAFT,
    )
    figures = models.JSONField(_("figures"), default=dict, blank=True, editable=False)
    summary = models.TextField(_("summary"), blank=True)
    returned_reason = models.TextField(_("reason for return"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved by the province at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    history = HistoricalRecords()
    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "facility_id", "id"]
        indexes = [models.Index(fields=["status", "month"])]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "month"], name="monthly_report_one_per_facility_month"
            ),
        ]

    def __str__(self):
        return f"{self.facility_id} {self.month:%Y-%m}"

    @property
    def month_label(self):
        return f"{self.month:%Y-%m}"

    @property
    def is_frozen(self):
        return self.status in FROZEN_REPORT_STATUSES


class MonthlyReportTransition(models.Model):
    """The timeline of a report: every status change, who made it, when, and the comment."""

    report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("monthly report"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=MonthlyReportStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=MonthlyReportStatus.choices)
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
        verbose_name = _("monthly report transition")
        verbose_name_plural = _("monthly report transitions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} → {self.to_status}"


class MonthlyReminder(models.Model):
    """One row per facility and month reminded: the guard that makes the reminder run once."""

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(_("month"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly report reminder")
        verbose_name_plural = _("monthly report reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "month"], name="monthly_reminder_one_per_facility_month"
            )
        ]

    def __str__(self):
        return f"{self.facility_id} {self.month:%Y-%m}"


# The indicators of the yearly assessment, in the order of the table, with their default
# weights (they sum to 100).
ASSESSMENT_INDICATORS = (
    ("counties_reached", _("Counties reached"), 20),
    # Shown beside the counties reached; it weighs nothing unless a campaign gives it a weight.
    ("priority_counties_reached", _("Priority counties reached"), 0),
    ("stops", _("Stops held"), 15),
    ("audience", _("Audience"), 15),
    ("days_out", _("Caravan days out"), 10),
    ("distance_km", _("Caravan kilometres"), 10),
    ("activities", _("Verified activities"), 10),
    ("caravans_meeting_norm", _("Share of caravans meeting the norm"), 10),
    ("reports_on_time", _("Share of reports submitted on time"), 10),
    # Still open now; shown for the reviewers, weighing nothing unless a campaign says so.
    ("discrepancies_open", _("Open receipt discrepancies"), 0),
    ("repair_tickets_open", _("Repair tickets open"), 0),
)
DEFAULT_ASSESSMENT_WEIGHTS = {key: weight for key, _label, weight in ASSESSMENT_INDICATORS}


def _default_weights():
    return dict(DEFAULT_ASSESSMENT_WEIGHTS)


class AssessmentWeights(models.Model):
    """How much each indicator counts in a campaign's yearly score (percent, summing to 100)."""

    campaign = models.OneToOneField(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="assessment_weights",
    )
    weights = models.JSONField(_("weights"), default=_default_weights)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assessment weights")
        verbose_name_plural = _("assessment weights")

    def __str__(self):
        return str(self.campaign)

    def clean(self):
        from django.core.exceptions import ValidationError

        weights = self.weights if isinstance(self.weights, dict) else None
        known = set(DEFAULT_ASSESSMENT_WEIGHTS)
        if weights is None or set(weights) != known:
            raise ValidationError(
                {
                    "weights": _("Give a weight for each of: %(keys)s.")
                    % {"keys": ", ".join(DEFAULT_ASSESSMENT_WEIGHTS)}
                }
            )
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in weights.values()):
            raise ValidationError({"weights": _("Each weight is a whole number from 0 to 100.")})
        if sum(weights.values()) != 100:
            raise ValidationError(
                {
                    "weights": _("The weights must sum to 100; these sum to %(total)s.")
                    % {"total": sum(weights.values())}
                }
            )
