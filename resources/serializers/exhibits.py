"""Shapes of exhibition sets and exhibits in the API; the rules live in services/exhibits.py."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign
from facilities.models import Facility

from ..models import Exhibit, ExhibitionSet, ExhibitStatus


class ExhibitionSetSerializer(serializers.ModelSerializer):
    """A set as everyone sees it; `exhibit_count` and `current_stop` are annotated by the
    viewset's queryset (no query per row)."""

    operator_name = serializers.CharField(source="operator.name", read_only=True)
    province = serializers.CharField(source="operator.province_id", read_only=True)
    exhibit_count = serializers.IntegerField(read_only=True)
    current_stop = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Id of the open stop, or null.")
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = ExhibitionSet
        fields = [
            "id",
            "code",
            "name",
            "operator",
            "operator_name",
            "province",
            "theme",
            "campaign",
            "status",
            "exhibit_count",
            "current_stop",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, exhibition_set):
        path = reverse("exhibits:public-set", args=[exhibition_set.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ExhibitionSetCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    operator = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.all(), help_text=_("The facility that runs the set.")
    )
    theme = serializers.CharField(max_length=200, required=False, allow_blank=True)
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )


class ExhibitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exhibit
        fields = ["id", "code", "name", "model", "status"]
        read_only_fields = ["id"]


class ExhibitCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    model = serializers.CharField(
        max_length=100, help_text=_("The exhibit design, shared by copies in other sets.")
    )
    status = serializers.ChoiceField(choices=ExhibitStatus.choices, default=ExhibitStatus.OK)
