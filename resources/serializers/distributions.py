"""Serializers of bulk distributions."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from campaigns.models import Campaign
from facilities.models import FacilityKind, Region, RegionLevel

from ..models import (
    Distribution,
    Kit,
)


class DistributionCreateSerializer(serializers.Serializer):
    kit = serializers.PrimaryKeyRelatedField(queryset=Kit.objects.all(), label=_("kit"))
    quantity_per_facility = serializers.IntegerField(
        min_value=1, max_value=100_000, label=_("quantity per facility")
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(),
        required=False,
        allow_null=True,
        label=_("approved participants of campaign"),
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level=RegionLevel.PROVINCE),
        required=False,
        allow_null=True,
        label=_("province"),
        help_text=_("Province code; facilities at every level below it are targets."),
    )
    kind = serializers.ChoiceField(
        choices=FacilityKind.choices, required=False, allow_blank=True, label=_("facility kind")
    )
    facilities = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100_000,
        label=_("facility ids"),
    )
    file = serializers.FileField(
        required=False,
        label=_("list of facilities"),
        help_text=_("CSV or XLSX whose first column holds facility ids or names."),
    )
    allow_partial = serializers.BooleanField(
        required=False,
        default=False,
        label=_("as far as stock allows"),
        help_text=_("Serve facilities by ascending id until stock runs out instead of refusing."),
    )


class DistributionSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    facilities = serializers.ListField(
        source="facility_ids", child=serializers.IntegerField(), read_only=True
    )
    skipped_report_url = serializers.SerializerMethodField()

    class Meta:
        model = Distribution
        fields = [
            "id",
            "status",
            "total",
            "processed",
            "allocated",
            "skipped",
            "error",
            "kit",
            "quantity_per_facility",
            "campaign",
            "province",
            "kind",
            "facilities",
            "allow_partial",
            "created_at",
            "started_at",
            "finished_at",
            "skipped_report_url",
        ]
        read_only_fields = fields

    def get_skipped_report_url(self, distribution) -> str:
        path = reverse("distributions:skipped-csv", args=[distribution.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
