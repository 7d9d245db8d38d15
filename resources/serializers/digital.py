"""Shapes of digital resources in the REST API (API.md: "Digital resources and downloads").

The catalogue list is a hot path: `catalogue_rows` builds the very same JSON as
`DigitalResourceSerializer` from `.values()` rows, without a model instance or a DRF field
per value. A test keeps the two identical.
"""

import time

from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign

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


# Signed thumbnail URLs kept in this process for half their lifetime (at least 30 s), so that
# a catalogue page does not sign ~33 URLs per request: every answer still carries a URL valid
# for at least half of AWS_QUERYSTRING_EXPIRE. Bounded: emptied when it reaches the limit.
_SIGNED = {}
SIGNED_URL_LIMIT = 20_000


def _signed_url(storage, name):
    key = (id(storage), getattr(storage, "endpoint_url", None), storage.bucket_name, name)
    now = time.monotonic()
    hit = _SIGNED.get(key)
    if hit is not None and hit[1] > now:
        return hit[0]
    url = storage.url(name)
    lifetime = (getattr(storage, "querystring_expire", 0) or 0) / 2
    if lifetime >= 30 and getattr(storage, "querystring_auth", False):
        if len(_SIGNED) >= SIGNED_URL_LIMIT:
            _SIGNED.clear()
        _SIGNED[key] = (url, now + lifetime)
    return url


def thumbnail_url(request, name):
    if not name:
        return None
    storage = DigitalResource._meta.get_field("thumbnail").storage
    # isinstance sees through default_storage's lazy wrapper.
    if isinstance(storage, FileSystemStorage) or not hasattr(storage, "bucket_name"):
        return absolute(request, storage.url(name))
    return absolute(request, _signed_url(storage, name))


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
            "thumbnail_url": thumbnail_url(request, row["thumbnail"]),
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
