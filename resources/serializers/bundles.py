"""Serializers of offline bundles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campaigns.models import Campaign

from ..models import (
    Category,
    DigitalResource,
    ResourceAccess,
    ResourceBundle,
)


class BundleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, label=_("title"))
    description = serializers.CharField(required=False, allow_blank=True, label=_("description"))
    access = serializers.ChoiceField(
        choices=ResourceAccess.choices, default=ResourceAccess.PUBLIC, label=_("access")
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True, label=_("campaign")
    )
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        label=_("category"),
    )
    resources = serializers.PrimaryKeyRelatedField(
        queryset=DigitalResource.objects.published(),
        many=True,
        required=False,
        label=_("resources"),
    )


class BundleSerializer(serializers.ModelSerializer):
    resources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ResourceBundle
        fields = [
            "id",
            "title",
            "description",
            "campaign",
            "access",
            "status",
            "resources",
            "file_size",
            "sha256",
            "manifest",
            "download_url",
            "download_count",
            "built_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_download_url(self, bundle) -> str | None:
        if not bundle.file:
            return None
        path = reverse("bundle-download", args=[bundle.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
