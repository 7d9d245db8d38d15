import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignStatus
from config.db import DateRange, PostgreSQLExclusionConstraint
from facilities.roles import get_scope
from resources.models import set_managers_condition


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


# ---------------------------------------------------------------------------
# Field work: tour stops of exhibition sets, their attendance, caravan trips
# ---------------------------------------------------------------------------

# Limits on what a person can plausibly type; anything above is a typo, refused with a message.
MAX_VISITORS_PER_DAY = 1_000_000
MAX_SCHOOL_GROUPS_PER_DAY = 10_000
MAX_TRIP_DISTANCE_KM = 5_000
MAX_TRIP_AUDIENCE = 1_000_000
MAX_TRIP_ACTIVITIES = 1_000
MAX_VENUE_AREA_M2 = 100_000


class TourStopStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class TourStopQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every stop that is not cancelled; the set's managers also see cancelled ones."""
        from facilities.models import FacilityStatus

        scope = get_scope(user)
        if scope.is_admin:
            return self
        # As for the set itself: the public sees the stops of sets of approved operators.
        public = ~Q(status=TourStopStatus.CANCELLED) & Q(
            exhibition_set__operator__status=FacilityStatus.APPROVED
        )
        return self.filter(public | set_managers_condition(scope, "exhibition_set__"))

    def managed_by(self, user):
        """Stops of the sets the user manages (staff of the operator, its coordinators, admins)."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        return self.filter(set_managers_condition(scope, "exhibition_set__"))

    def held(self):
        """Stops that took place or are taking place."""
        return self.filter(status__in=(TourStopStatus.OPEN, TourStopStatus.CLOSED))

    def active_on(self, day):
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class TourStop(models.Model):
    """An exhibition set staying at a county venue for some weeks or months."""

    exhibition_set = models.ForeignKey(
        "resources.ExhibitionSet",
        verbose_name=_("exhibition set"),
        on_delete=models.PROTECT,
        related_name="stops",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tour_stops",
    )
    region = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="tour_stops",
    )
    # Denormalised from region, as on facilities: one indexed column for filters and figures.
    province = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    venue = models.CharField(_("venue"), max_length=200)
    venue_area_m2 = models.PositiveIntegerField(
        _("venue area (m²)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_VENUE_AREA_M2)],
    )
    opening_days = models.CharField(
        _("opening days"),
        max_length=100,
        blank=True,
        help_text=_("When visitors may come, e.g. Wednesday to Sunday, 9:00–16:30."),
    )
    host = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("host facility"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_stops",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=TourStopStatus.choices,
        default=TourStopStatus.PLANNED,
    )
    # The sum of the visitors of its attendance entries, kept by the attendance service in
    # the same transaction as each entry, so lists never add up entries per request.
    audience_total = models.PositiveBigIntegerField(_("audience"), default=0, editable=False)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TourStopQuerySet.as_manager()

    class Meta:
        verbose_name = _("tour stop")
        verbose_name_plural = _("tour stops")
        ordering = ["starts_on", "id"]
        indexes = [
            models.Index(fields=["exhibition_set", "starts_on"]),
            models.Index(fields=["province", "status"]),
            models.Index(fields=["campaign", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="tour_stop_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["exhibition_set"],
                condition=Q(status=TourStopStatus.OPEN),
                name="tour_stop_one_open_per_set",
            ),
            # A set is never at two places at once, even when two stops are planned at the
            # same moment: PostgreSQL refuses overlapping date ranges (bounds included).
            PostgreSQLExclusionConstraint(
                name="tour_stop_no_overlap",
                expressions=[
                    ("exhibition_set", RangeOperators.EQUAL),
                    (
                        DateRange("starts_on", "ends_on", RangeBoundary(True, True)),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=~Q(status=TourStopStatus.CANCELLED),
            ),
        ]

    def __str__(self):
        return f"{self.exhibition_set_id} @ {self.venue} ({self.starts_on}–{self.ends_on})"

    def save(self, *args, **kwargs):
        if self.region_id:
            self.province_id = self.region_id[:2] + "0000"
        super().save(*args, **kwargs)

    @property
    def days(self):
        return (self.ends_on - self.starts_on).days + 1

    @property
    def takes_attendance(self):
        return self.status in (TourStopStatus.OPEN, TourStopStatus.CLOSED)


class StopAttendance(models.Model):
    """The visitors of one day at a stop; one entry a date."""

    stop = models.ForeignKey(
        TourStop, verbose_name=_("tour stop"), on_delete=models.CASCADE, related_name="attendance"
    )
    date = models.DateField(_("date"))
    visitors = models.PositiveIntegerField(
        _("visitors"), validators=[MaxValueValidator(MAX_VISITORS_PER_DAY)]
    )
    school_groups = models.PositiveIntegerField(
        _("school groups"), default=0, validators=[MaxValueValidator(MAX_SCHOOL_GROUPS_PER_DAY)]
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily attendance")
        verbose_name_plural = _("daily attendance")
        ordering = ["stop", "date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stop", "date"], name="stop_attendance_one_per_day"),
            models.CheckConstraint(
                condition=Q(visitors__lte=MAX_VISITORS_PER_DAY),
                name="stop_attendance_visitors_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.stop_id} {self.date}: {self.visitors}"


class CaravanTripStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    APPROVED = "approved", _("Approved")
    REPORTED = "reported", _("Reported")
    CANCELLED = "cancelled", _("Cancelled")


PUBLIC_TRIP_STATUSES = (CaravanTripStatus.APPROVED, CaravanTripStatus.REPORTED)


class CaravanTripQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Approved and reported trips for everyone; all of them for their facility's staff
        and for the reviewers of its province."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        condition = Q(status__in=PUBLIC_TRIP_STATUSES)
        if scope.facility_ids:
            condition |= Q(facility_id__in=scope.facility_ids)
        if scope.province_codes:
            condition |= Q(facility__province_id__in=scope.province_codes)
        return self.filter(condition)

    def reviewable_by(self, user):
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(facility__province_id__in=scope.province_codes)
        return self.none()

    def of_staff(self, user):
        scope = get_scope(user)
        if not scope.facility_ids:
            return self.none()
        return self.filter(facility_id__in=scope.facility_ids)


class CaravanTrip(models.Model):
    """A popular-science caravan's trip of some days to towns, villages and schools."""

    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("caravan"),
        on_delete=models.PROTECT,
        related_name="caravan_trips",
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caravan_trips",
    )
    region = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="caravan_trips",
    )
    province = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    destination = models.CharField(_("destination"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    purpose = models.TextField(_("purpose"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CaravanTripStatus.choices,
        default=CaravanTripStatus.PLANNED,
    )
    distance_km = models.PositiveIntegerField(
        _("distance (km)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_TRIP_DISTANCE_KM)],
    )
    audience_total = models.PositiveIntegerField(
        _("audience"), default=0, validators=[MaxValueValidator(MAX_TRIP_AUDIENCE)]
    )
    activities_count = models.PositiveIntegerField(
        _("activities"), default=0, validators=[MaxValueValidator(MAX_TRIP_ACTIVITIES)]
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaravanTripQuerySet.as_manager()

    class Meta:
        verbose_name = _("caravan trip")
        verbose_name_plural = _("caravan trips")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["facility", "status", "starts_on"]),
            models.Index(fields=["province", "status"]),
            models.Index(fields=["campaign", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="caravan_trip_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(distance_km__isnull=True) | Q(distance_km__lte=MAX_TRIP_DISTANCE_KM),
                name="caravan_trip_distance_plausible",
            ),
        ]

    def __str__(self):
        return f"{self.destination} ({self.starts_on}–{self.ends_on})"

    def save(self, *args, **kwargs):
        if self.region_id:
            self.province_id = self.region_id[:2] + "0000"
        super().save(*args, **kwargs)

    @property
    def days(self):
        return (self.ends_on - self.starts_on).days + 1
