"""Shapes of kits and kit requests in the REST API (API.md: "Kits, requests, distributions")."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facilities.models import Facility
from facilities.roles import get_scope

from ..models import Kit, KitRequest, KitRequestTransition, ReceiptCondition
from ..services.allotments import is_overdue


class KitSerializer(serializers.ModelSerializer):
    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Kit
        fields = [
            "id",
            "code",
            "name",
            "campaign",
            "description",
            "contents",
            "photo_url",
            "quantity_total",
            "quantity_available",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo_url(self, kit):
        if not kit.photo:
            return None
        url = kit.photo.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request and url.startswith("/") else url


class KitRequestTransitionSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = KitRequestTransition
        fields = ["from_status", "to_status", "by", "at", "note"]
        read_only_fields = fields


class KitRequestSerializer(serializers.ModelSerializer):
    kit_code = serializers.CharField(source="kit.code", read_only=True)
    kit_name = serializers.CharField(source="kit.name", read_only=True)
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    overdue = serializers.SerializerMethodField()
    condition = serializers.SerializerMethodField()

    class Meta:
        model = KitRequest
        fields = [
            "id",
            "kit",
            "kit_code",
            "kit_name",
            "facility",
            "facility_name",
            "quantity",
            "purpose",
            "status",
            "origin",
            "created_at",
            "approved_at",
            "shipped_at",
            "received_at",
            "closed_at",
            "carrier",
            "tracking_number",
            "reject_reason",
            "quantity_received",
            "condition",
            "receipt_photo",
            "overdue",
            "allotment",
        ]
        read_only_fields = [
            f for f in fields if f not in ("kit", "facility", "quantity", "purpose")
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, kit_request):
        return is_overdue(kit_request)

    @extend_schema_field(serializers.ChoiceField(choices=ReceiptCondition.choices, allow_null=True))
    def get_condition(self, kit_request):
        """How the kit arrived; null until the receipt is confirmed."""
        return kit_request.condition or None


class KitRequestDetailSerializer(KitRequestSerializer):
    transitions = KitRequestTransitionSerializer(many=True, read_only=True)

    class Meta(KitRequestSerializer.Meta):
        fields = [*KitRequestSerializer.Meta.fields, "transitions"]


class KitRequestCreateSerializer(serializers.Serializer):
    """Input of POST /kit-requests/; the service decides whether the request is allowed."""

    kit = serializers.PrimaryKeyRelatedField(queryset=Kit.objects.all())
    # Only the user's own facilities can be named: another facility reads as "does not exist".
    facility = serializers.PrimaryKeyRelatedField(queryset=Facility.objects.none())
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        self.fields["facility"].queryset = Facility.objects.filter(
            pk__in=get_scope(user).facility_ids
        )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
