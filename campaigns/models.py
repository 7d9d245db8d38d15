from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from facilities.roles import get_scope
from resources.validators import validate_picture


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
