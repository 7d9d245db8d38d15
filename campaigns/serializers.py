from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

from events.models import Activity
from facilities.models import Facility

from .models import Campaign, MonthlyReport, Participation


class StrictDateField(serializers.DateField):
    """A nullable date that takes null, never an empty string (DRF maps form "" to null)."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class CampaignSerializer(serializers.ModelSerializer):
    banner_url = serializers.SerializerMethodField()
    ends_on = StrictDateField(allow_null=True, required=False)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "title",
            "theme",
            "host",
            "description",
            "launch_place",
            "starts_on",
            "ends_on",
            "status",
            "banner",
            "banner_url",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"banner": {"write_only": True, "required": False}}

    def get_banner_url(self, campaign) -> str | None:
        if not campaign.banner:
            return None
        url = campaign.banner.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request and url.startswith("/") else url


class ParticipationSerializer(serializers.ModelSerializer):
    campaign_slug = serializers.CharField(source="campaign.slug", read_only=True)
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    facility_kind = serializers.CharField(source="facility.kind", read_only=True)
    province = serializers.CharField(source="facility.province_id", read_only=True)
    province_name = serializers.CharField(source="facility.province.name", read_only=True)

    class Meta:
        model = Participation
        fields = [
            "id",
            "campaign",
            "campaign_slug",
            "facility",
            "facility_name",
            "facility_kind",
            "province",
            "province_name",
            "status",
            "applied_at",
            "approved_at",
            "flag_awarded_at",
            "flag_ceremony",
        ]
        read_only_fields = fields


class ApplySerializer(serializers.Serializer):
    facility = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.none(), help_text=_("id of the applying facility")
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Facilities the caller cannot see do not exist for them (400, never a leak).
            fields["facility"].queryset = Facility.objects.visible_to(request.user)
        return fields


class AwardFlagSerializer(serializers.Serializer):
    ceremony = serializers.PrimaryKeyRelatedField(
        queryset=Activity.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("the ceremony activity where the flag was handed over"),
    )
    awarded_at = serializers.DateTimeField(required=False, allow_null=True)


# Assessment: monthly reports


class MonthlyReportSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    province = serializers.CharField(source="facility.province_id", read_only=True)
    figures = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "facility",
            "facility_name",
            "province",
            "month",
            "status",
            "figures",
            "summary",
            "submitted_at",
            "approved_at",
            "accepted_at",
            "returned_reason",
        ]
        read_only_fields = fields

    def get_month(self, report) -> str:
        return report.month_label

    def get_figures(self, report) -> dict:
        # Computed for drafts by the view (attach_current_figures); stored once submitted.
        return getattr(report, "current_figures", report.figures)


class MonthlyReportCreateSerializer(serializers.Serializer):
    facility = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.none(), help_text=_("id of the reporting facility")
    )
    month = serializers.CharField(help_text=_("the month reported on, YYYY-MM"))
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["facility"].queryset = Facility.objects.visible_to(request.user)
        return fields


class MonthlyReportSubmitSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class MonthlyReportApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MonthlyReportReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("what the staff must put right"))
