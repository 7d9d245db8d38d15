import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from facilities.roles import get_scope

from .validators import validate_picture

# ---------------------------------------------------------------------------
# Digital resources
# ---------------------------------------------------------------------------


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The English name on English pages when there is one, the Chinese name otherwise."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class ResourceFormat(models.TextChoices):
    VIDEO = "video", _("Video")
    IMAGE = "image", _("Image")
    DOCUMENT = "document", _("Document")
    COURSEWARE = "courseware", _("Courseware")
    AUDIO = "audio", _("Audio")
    EXHIBIT_DESIGN = "exhibit_design", _("Exhibit design")
    OTHER = "other", _("Other")


class ResourceAccess(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")


class ResourceStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def sees_member_only_resources(scope):
    """Member-only resources are for facility staff, coordinators and administrators."""
    return bool(scope.is_admin or scope.is_coordinator or scope.facility_ids)


class DigitalResourceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Public resources for everyone; member-only ones for facility staff and reviewers."""
        if sees_member_only_resources(get_scope(user)):
            return self
        return self.filter(access=ResourceAccess.PUBLIC)

    def published(self):
        return self.filter(status=ResourceStatus.PUBLISHED)


def resource_upload_to(instance, filename):
    # A random folder keeps the original name readable but the path unguessable (local media
    # is served without an access check in the embedded mode).
    return f"resources/files/{secrets.token_urlsafe(12)}/{filename}"


class DigitalResource(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digital_resources",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resources",
    )
    format = models.CharField(_("format"), max_length=32, choices=ResourceFormat.choices)
    access = models.CharField(
        _("access"), max_length=16, choices=ResourceAccess.choices, default=ResourceAccess.PUBLIC
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ResourceStatus.choices,
        default=ResourceStatus.PUBLISHED,
    )
    file = models.FileField(_("file"), upload_to=resource_upload_to, max_length=300)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    cover = models.ImageField(
        _("cover image"), upload_to="resources/covers/", blank=True, max_length=300
    )
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to="resources/thumbnails/", blank=True, max_length=300
    )
    download_count = models.PositiveBigIntegerField(_("downloads"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = DigitalResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("digital resource")
        verbose_name_plural = _("digital resources")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="resource_sync_idx"),
            models.Index(fields=["status", "access", "-published_at"]),
            models.Index(fields=["-download_count", "id"]),
        ]

    def __str__(self):
        return self.title


class DownloadChannel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")
    BUNDLE = "bundle", _("Offline bundle")


class DownloadEvent(models.Model):
    """One download of one resource; the raw material of download statistics."""

    resource = models.ForeignKey(
        DigitalResource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="download_events",
    )
    bundle = models.ForeignKey(
        "resources.ResourceBundle",
        verbose_name=_("bundle"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="download_events",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Province code of the downloading facility, '' when unknown (anonymous downloads).
    province_code = models.CharField(_("province code"), max_length=6, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=16, choices=DownloadChannel.choices)
    client_network = models.CharField(
        _("client network"),
        max_length=64,
        blank=True,
        help_text=_("Address truncated to /24 or /48."),
    )
    created_at = models.DateTimeField(_("time"), db_index=True)
    rolled_up = models.BooleanField(_("rolled up"), default=False)
    # Set by whoever records the download, so that a task delivered twice stores it once.
    event_key = models.UUIDField(_("event key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("download event")
        verbose_name_plural = _("download events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["resource", "created_at"]),
            models.Index(
                fields=["created_at"], condition=Q(rolled_up=False), name="download_not_rolled_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resource__isnull=False) | Q(bundle__isnull=False),
                name="download_names_something",
            )
        ]

    def __str__(self):
        return f"{self.resource_id or self.bundle_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class DownloadDaily(models.Model):
    """Downloads per resource, day and province, rolled up from events by a periodic task."""

    resource = models.ForeignKey(
        DigitalResource,
        verbose_name=_("resource"),
        on_delete=models.CASCADE,
        related_name="daily_downloads",
    )
    date = models.DateField(_("date"))
    province_code = models.CharField(_("province code"), max_length=6, blank=True, default="")
    count = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("daily downloads")
        verbose_name_plural = _("daily downloads")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "date", "province_code"], name="download_daily_unique"
            )
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.resource_id} {self.date} {self.province_code or '-'}: {self.count}"


class BundleStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be built")
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ResourceBundle(models.Model):
    """An offline package (ZIP with manifest) of digital resources for poorly connected places."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bundles",
    )
    resources = models.ManyToManyField(
        DigitalResource, verbose_name=_("resources"), related_name="bundles", blank=True
    )
    access = models.CharField(
        _("access"), max_length=16, choices=ResourceAccess.choices, default=ResourceAccess.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BundleStatus.choices, default=BundleStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="bundles/", blank=True, max_length=300)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Bumped by every rebuild request; a build only publishes its ZIP if no newer one was asked.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    download_count = models.PositiveBigIntegerField(_("downloads"), default=0)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resource bundle")
        verbose_name_plural = _("resource bundles")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------------------
# Physical kits
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Exhibition sets and exhibits
# ---------------------------------------------------------------------------


class ExhibitionSetStatus(models.TextChoices):
    IN_STORAGE = "in_storage", _("In storage")
    TOURING = "touring", _("Touring")
    MAINTENANCE = "maintenance", _("Maintenance")
    RETIRED = "retired", _("Retired")


class ExhibitStatus(models.TextChoices):
    OK = "ok", _("In order")
    FAULTY = "faulty", _("Faulty")
    UNDER_REPAIR = "under_repair", _("Under repair")
    MISSING = "missing", _("Missing")
    RETIRED = "retired", _("Retired")


def set_managers_condition(scope, path=""):
    """Rows whose exhibition set (reached through `path`) the scope's user manages: staff of
    its operator and coordinators of the operator's province (administrators manage all)."""
    condition = Q(pk__in=[])
    if scope.facility_ids:
        condition |= Q(**{f"{path}operator_id__in": scope.facility_ids})
    if scope.province_codes:
        condition |= Q(**{f"{path}operator__province_id__in": scope.province_codes})
    return condition


class ExhibitionSetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sets of approved operators for everyone; managers also see the sets they manage."""
        from facilities.models import FacilityStatus

        scope = get_scope(user)
        if scope.is_admin:
            return self
        return self.filter(
            Q(operator__status=FacilityStatus.APPROVED) | set_managers_condition(scope)
        )

    def managed_by(self, user):
        """The set's managers: staff of its operator, coordinators of the operator's province,
        administrators."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        return self.filter(set_managers_condition(scope))


class ExhibitionSet(models.Model):
    """A mobile science museum: about fifty exhibits that tour county venues together."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    operator = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="exhibition_sets",
        help_text=_("The facility that runs the set."),
    )
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exhibition_sets",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ExhibitionSetStatus.choices,
        default=ExhibitionSetStatus.IN_STORAGE,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ExhibitionSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("exhibition set")
        verbose_name_plural = _("exhibition sets")
        ordering = ["code", "id"]
        indexes = [models.Index(fields=["operator", "status"])]

    def __str__(self):
        return f"{self.code} {self.name}"


class Exhibit(models.Model):
    """One exhibit of a set; `model` names its design, shared by copies in other sets."""

    exhibition_set = models.ForeignKey(
        ExhibitionSet,
        verbose_name=_("exhibition set"),
        on_delete=models.CASCADE,
        related_name="exhibits",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    model = models.CharField(
        _("exhibit model"),
        max_length=100,
        help_text=_("The exhibit design; copies of the same design in other sets share it."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ExhibitStatus.choices, default=ExhibitStatus.OK
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exhibit")
        verbose_name_plural = _("exhibits")
        ordering = ["exhibition_set", "code", "id"]
        indexes = [models.Index(fields=["model"])]
        constraints = [
            models.UniqueConstraint(
                fields=["exhibition_set", "code"], name="exhibit_code_unique_in_set"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


# ---------------------------------------------------------------------------
# Allotments and receipt
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Exhibit care
# ---------------------------------------------------------------------------


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
