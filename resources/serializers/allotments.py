"""Shapes of allotments, receipts and discrepancies in the REST API (API.md: "Provincial
allotments and closed-loop receipt"). Shape only: the services decide what is allowed."""

from rest_framework import serializers

from facilities.models import Region, RegionLevel

from ..models import Allotment, Discrepancy, DiscrepancyResolution, ReceiptCondition


class AllotmentSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    province_name = serializers.CharField(source="province.name", read_only=True)
    left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Allotment
        fields = [
            "id",
            "kit",
            "province",
            "province_name",
            "quantity",
            "used",
            "left",
            "updated_at",
        ]
        read_only_fields = fields


def _provinces():
    return Region.objects.filter(level=RegionLevel.PROVINCE)


class AllotmentCreateSerializer(serializers.Serializer):
    province = serializers.SlugRelatedField(slug_field="code", queryset=_provinces())
    quantity = serializers.IntegerField(min_value=0, max_value=1_000_000_000)


class AllotmentChangeSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=1_000_000_000)


class AllotmentMoveSerializer(serializers.Serializer):
    from_province = serializers.SlugRelatedField(slug_field="code", queryset=_provinces())
    to_province = serializers.SlugRelatedField(slug_field="code", queryset=_provinces())
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000_000)


class ReceiveSerializer(serializers.Serializer):
    """Input of POST /kit-requests/{id}/receive/; an empty body is a complete receipt."""

    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    quantity_received = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    condition = serializers.ChoiceField(
        choices=ReceiptCondition.choices, required=False, default=ReceiptCondition.COMPLETE
    )
    quantity_damaged = serializers.IntegerField(required=False, min_value=0, max_value=1_000_000)
    photo = serializers.FileField(
        required=False,
        help_text="A photo of what arrived (multipart): JPEG, PNG or WebP, re-encoded without "
        "metadata.",
    )


class DiscrepancySerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="kit_request.facility.province_id", read_only=True)
    kit = serializers.IntegerField(source="kit_request.kit_id", read_only=True)
    facility = serializers.IntegerField(source="kit_request.facility_id", read_only=True)

    class Meta:
        model = Discrepancy
        fields = [
            "id",
            "kit_request",
            "kit",
            "facility",
            "province",
            "kind",
            "quantity_missing",
            "quantity_damaged",
            "note",
            "status",
            "resolution",
            "resolution_note",
            "replacement",
            "quantity_written_off",
            "opened_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=DiscrepancyResolution.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
