from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Facility, Region
from .roles import get_scope


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)
    tags = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text=_("priority tag codes")
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "is_grouping", "tags"]
        read_only_fields = fields


# Contacts are for the facility's own staff and its reviewers only. They are optional in the
# schema, so leaving them out for everyone else keeps the answer valid.
PRIVATE_FACILITY_FIELDS = ("contact_name", "contact_phone", "contact_email")


class FacilitySerializer(serializers.ModelSerializer):
    """A facility; its contacts only for its staff and its reviewers."""

    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), help_text=_("6-digit GB/T 2260 code")
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    province = serializers.CharField(source="province_id", read_only=True)
    province_name = serializers.CharField(source="province.name", read_only=True)
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Facility
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "level",
            "region",
            "region_name",
            "province",
            "province_name",
            "parent",
            "address",
            *PRIVATE_FACILITY_FIELDS,
            "created_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["status", "level", "created_at", "decided_at", "decision_note"]
        # Uniqueness per region is checked by the service, which words the error for people.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # A parent unit must be a facility the user can see.
            fields["parent"].queryset = Facility.objects.visible_to(request.user)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._may_see_private(instance):
            for name in PRIVATE_FACILITY_FIELDS:
                data.pop(name, None)
        return data

    def _may_see_private(self, facility):
        request = self.context.get("request")
        scope = get_scope(request.user if request else None)
        return scope.belongs_to(facility.pk) or scope.covers_province(facility.province_id)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class FacilityRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RegisterSerializer(serializers.Serializer):
    """The shape of a registration; the rules of an account are the account service's."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField()


class RegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    token = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MembershipRoleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_admin = serializers.BooleanField()
    facilities = MembershipRoleSerializer(many=True)
    coordinator_of = serializers.ListField(child=serializers.CharField())
