"""Shapes of digital resources in the REST API (API.md: "Digital resources and downloads").

The catalogue list is a hot path: `catalogue_rows` builds the very same JSON as
`DigitalResourceSerializer` from `.values()` rows, without a model instance or a DRF field
per value. A test keeps the two identical.
"""

from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign
from config.signed_urls import signed_url

from ..models import Category, DigitalResource, ResourceAccess, ResourceFormat, ResourceStatus

CATALOGUE_FIELDS = [
    "id",
    "title",
    "description",
    "campaign",
    "category",
    "format",
    "access",
    "status",
    "file_name",
    "file_size",
    "sha256",
    "content_type",
    "thumbnail_url",
    "download_url",
    "download_count",
    "published_at",
    "updated_at",
]
# The .values() columns catalogue_rows reads.
VALUE_COLUMNS = (
    "id",
    "title",
    "description",
    "campaign_id",
    "category__slug",
    "format",
    "access",
    "status",
    "original_filename",
    "file_size",
    "sha256",
    "content_type",
    "thumbnail",
    "download_count",
    "published_at",
    "updated_at",
)


def absolute(request, url):
    if request is not None and url.startswith("/"):
        return request.build_absolute_uri(url)
    return url


def thumbnail_urls(request):
    """name → its thumbnail's URL (None for no name), the storage looked up once per call."""
    storage = DigitalResource._meta.get_field("thumbnail").storage
    if isinstance(storage, LazyObject):  # default_storage: every attribute read is a call
        storage.url  # noqa: B018 - sets the wrapped storage up
        storage = storage._wrapped
    if isinstance(storage, FileSystemStorage) or not hasattr(storage, "bucket_name"):
        return lambda name: absolute(request, storage.url(name)) if name else None
    # Signed ones reused for half their lifetime: a page does not sign ~33 URLs per request.
    return lambda name: absolute(request, signed_url(storage, name, reuse=0.5)) if name else None


def thumbnail_url(request, name):
    return thumbnail_urls(request)(name)


class DigitalResourceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    file_name = serializers.CharField(source="original_filename", read_only=True)
    thumbnail_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DigitalResource
        fields = CATALOGUE_FIELDS
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, resource):
        return thumbnail_url(self.context.get("request"), resource.thumbnail.name)

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, resource):
        url = reverse("digital-resource-download", args=[resource.pk])
        return absolute(self.context.get("request"), url)


def _iso_time_in(zone):
    """DRF's DateTimeField output (ISO 8601 in the current time zone, "Z" for UTC) without
    its per-value settings lookups: two per row were a fifth of the page's time."""

    def as_time(value):
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return as_time


def catalogue_rows(rows, request):
    """Serialise .values(*VALUE_COLUMNS) rows exactly as DigitalResourceSerializer would."""
    as_time = _iso_time_in(timezone.get_current_timezone())
    download_prefix = absolute(request, reverse("digital-resource-list"))
    thumbnail_of = thumbnail_urls(request)
    return [
        {
            "id": row["id"],
            "title": row["title"],
            "description": row["description"],
            "campaign": row["campaign_id"],
            "category": row["category__slug"],
            "format": row["format"],
            "access": row["access"],
            "status": row["status"],
            "file_name": row["original_filename"],
            "file_size": row["file_size"],
            "sha256": row["sha256"],
            "content_type": row["content_type"],
            "thumbnail_url": thumbnail_of(row["thumbnail"]),
            "download_url": f"{download_prefix}{row['id']}/download/",
            "download_count": row["download_count"],
            "published_at": as_time(row["published_at"]),
            "updated_at": as_time(row["updated_at"]),
        }
        for row in rows
    ]


class DigitalResourceUploadSerializer(serializers.Serializer):
    """Multipart upload of a resource; the file itself is checked by the publishing service."""

    file = serializers.FileField(help_text="The resource file; its type must match `format`.")
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    format = serializers.ChoiceField(choices=ResourceFormat.choices)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    access = serializers.ChoiceField(
        choices=ResourceAccess.choices, required=False, default=ResourceAccess.PUBLIC
    )
    cover = serializers.FileField(
        required=False, allow_null=True, help_text="Optional cover image, thumbnailed."
    )


class DigitalResourceUpdateSerializer(serializers.Serializer):
    """PATCH of a resource by an administrator: only the fields sent change.

    `status` withdraws (`withdrawn`) or publishes again (`published`); a `file` (multipart)
    replaces the file, checked like an upload against the (new) `format`.
    """

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    access = serializers.ChoiceField(choices=ResourceAccess.choices, required=False)
    status = serializers.ChoiceField(choices=ResourceStatus.choices, required=False)
    format = serializers.ChoiceField(choices=ResourceFormat.choices, required=False)
    file = serializers.FileField(
        required=False, help_text="A new file for the resource; its type must match `format`."
    )
