"""Shapes of hand-over checklists, repair tickets and known faults; rules live in
services/repairs.py."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    HandOverCondition,
    HandOverStage,
    KnownFault,
    RepairCause,
    RepairSeverity,
    RepairTicket,
    RepairTicketPhoto,
)


class HandOverItemInSerializer(serializers.Serializer):
    exhibit = serializers.IntegerField(help_text=_("Id of the exhibit."))
    condition = serializers.ChoiceField(choices=HandOverCondition.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class HandOverInSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=HandOverStage.choices)
    items = HandOverItemInSerializer(many=True, allow_empty=False)
    severity = serializers.ChoiceField(
        choices=RepairSeverity.choices,
        default=RepairSeverity.DEGRADED,
        help_text=_("Severity of the tickets opened for damaged exhibits."),
    )


class RepairTicketSerializer(serializers.ModelSerializer):
    exhibit_code = serializers.CharField(source="exhibit.code", read_only=True)
    exhibit_name = serializers.CharField(source="exhibit.name", read_only=True)
    model = serializers.CharField(source="exhibit.model", read_only=True)
    province = serializers.CharField(source="exhibition_set.operator.province_id", read_only=True)

    class Meta:
        model = RepairTicket
        fields = [
            "id",
            "exhibit",
            "exhibit_code",
            "exhibit_name",
            "model",
            "exhibition_set",
            "province",
            "stop",
            "fault",
            "cause",
            "severity",
            "status",
            "opened_at",
            "resolved_at",
            "resolution",
            "known_fault",
        ]
        read_only_fields = fields


class HandOverOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stop = serializers.IntegerField(source="stop_id")
    stage = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    items = serializers.IntegerField(source="item_count")
    tickets = RepairTicketSerializer(source="opened_tickets", many=True)


class KnownFaultSerializer(serializers.ModelSerializer):
    class Meta:
        model = KnownFault
        fields = ["id", "model", "symptom", "fix", "times_used"]
        read_only_fields = ["id", "times_used"]


class SuggestedFixSerializer(KnownFaultSerializer):
    similarity = serializers.FloatField(read_only=True, allow_null=True)

    class Meta(KnownFaultSerializer.Meta):
        fields = [*KnownFaultSerializer.Meta.fields, "similarity"]


class RepairTicketWithSuggestionsSerializer(RepairTicketSerializer):
    suggested_fixes = SuggestedFixSerializer(many=True, read_only=True)

    class Meta(RepairTicketSerializer.Meta):
        fields = [*RepairTicketSerializer.Meta.fields, "suggested_fixes"]
        read_only_fields = fields


class RepairTicketCreateSerializer(serializers.Serializer):
    exhibit = serializers.IntegerField(help_text=_("Id of the exhibit."))
    stop = serializers.IntegerField(required=False, allow_null=True, help_text=_("Id of the stop."))
    fault = serializers.CharField(max_length=4000)
    cause = serializers.ChoiceField(choices=RepairCause.choices, default=RepairCause.OTHER)
    severity = serializers.ChoiceField(choices=RepairSeverity.choices)


class RepairPhotoSerializer(serializers.ModelSerializer):
    # A plain file field: the service checks and re-encodes the picture itself.
    image = serializers.FileField(write_only=True)
    url = serializers.ImageField(source="image", read_only=True)

    class Meta:
        model = RepairTicketPhoto
        fields = ["id", "image", "url", "width", "height", "created_at"]
        read_only_fields = ["id", "url", "width", "height", "created_at"]


class RepairNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class TicketResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=4000)
    known_fault = serializers.PrimaryKeyRelatedField(
        queryset=KnownFault.objects.all(), required=False, allow_null=True
    )
    new_known_fault = serializers.BooleanField(
        default=False,
        help_text=_("Record the fault and this resolution as a new known fault of the model."),
    )
