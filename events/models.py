import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignStatus
from facilities.roles import get_scope


class ActivityKind(models.TextChoices):
    LAUNCH_CEREMONY = "launch_ceremony", _("Launch ceremony")
    SCIENCE_SHOW = "science_show", _("Science show")
    ROBOT_SHOW = "robot_show", _("Robot show")
    HEALTH_CARNIVAL = "health_carnival", _("Health carnival")
    LECTURE = "lecture", _("Lecture")
    EXHIBITION = "exhibition", _("Exhibition")
    WORKSHOP = "workshop", _("Workshop")
    OTHER = "other", _("Other")


class ActivityStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class ActivityQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(status=ActivityStatus.VERIFIED)

    def with_photos(self):
        """What a list of activities shows, in a constant number of queries."""
        return self.select_related("campaign", "facility", "region").prefetch_related("photos")

    def visible_to(self, user):
        """Verified reports for everyone; unverified ones for their facility and reviewers."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        # The public sees verified reports of published campaigns only.
        condition = Q(status=ActivityStatus.VERIFIED) & ~Q(campaign__status=CampaignStatus.DRAFT)
        if scope.facility_ids:
            condition |= Q(facility_id__in=scope.facility_ids)
        if scope.province_codes:
            condition |= Q(facility__province_id__in=scope.province_codes)
        return self.filter(condition)

    def editable_by(self, user):
        """Reports the user may change and add photos to: those of the facilities they work for."""
        scope = get_scope(user)
        if not scope.facility_ids:
            return self.none()
        return self.filter(facility_id__in=scope.facility_ids)

    def reviewable_by(self, user):
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(facility__province_id__in=scope.province_codes)
        return self.none()


class Activity(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="activities",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    region = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    audience_count = models.PositiveIntegerField(_("audience"), default=0)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ActivityStatus.choices,
        default=ActivityStatus.REPORTED,
    )
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    # What the activity used, so the platform can say whom each kit and resource reached.
    kits_used = models.ManyToManyField(
        "resources.Kit", verbose_name=_("kits used"), blank=True, related_name="activities"
    )
    resources_used = models.ManyToManyField(
        "resources.DigitalResource",
        verbose_name=_("digital resources used"),
        blank=True,
        related_name="activities",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "status", "-starts_at"]),
            models.Index(fields=["facility", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_editable(self):
        """Staff may change a report and its photos until it is verified."""
        return self.status != ActivityStatus.VERIFIED

    @property
    def is_launch_ceremony(self):
        return self.kind == ActivityKind.LAUNCH_CEREMONY


def photo_upload_to(instance, filename):
    """A random name per photo: the uploader's file name never reaches storage or the public."""
    extension = PurePosixPath(filename).suffix.lower()
    return f"activities/photos/{instance.activity_id}/{uuid.uuid4().hex}{extension}"


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("image"),
        upload_to=photo_upload_to,
        width_field="width",
        height_field="height",
        max_length=300,
    )
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="activities/thumbnails/", blank=True, max_length=300
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
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
        verbose_name = _("activity photo")
        verbose_name_plural = _("activity photos")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.caption or self.image.name
