"""Digital resources, their downloads and the daily roll-up of downloads."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from facilities.roles import get_scope


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


class AccessQuerySet(models.QuerySet):
    """Rows with an `access` choice: resources and the bundles made of them."""

    def visible_to(self, user):
        """Public rows for everyone; member-only ones for facility staff and reviewers."""
        if get_scope(user).is_member:
            return self
        return self.filter(access=ResourceAccess.PUBLIC)


class DigitalResourceQuerySet(AccessQuerySet):
    def published(self):
        return self.filter(status=ResourceStatus.PUBLISHED)

    def downloadable_by(self, user):
        """Published resources the user may download (public ones, or all for members)."""
        return self.visible_to(user).published()


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

    # Indexed by (resource, created_at) below, which serves lookups by resource alone.
    resource = models.ForeignKey(
        DigitalResource,
        verbose_name=_("resource"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="download_events",
        db_index=False,
    )
    # Indexed where set only (below): resource downloads, nearly every row, name no bundle.
    bundle = models.ForeignKey(
        "resources.ResourceBundle",
        verbose_name=_("bundle"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="download_events",
        db_index=False,
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
    # Indexed below without the LIKE index Django adds to a text key: no query needs it.
    region = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
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
            models.Index(
                fields=["bundle"], condition=Q(bundle__isnull=False), name="download_bundle_idx"
            ),
            models.Index(fields=["region"], name="download_region_idx"),
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
