"""GET /api/v1/campaigns/{slug}/stats/: the coverage figures of a campaign, for anyone.

A plain APIView routed in campaigns/urls.py. The figures come as the plain dict that
campaigns.stats computes and caches (no serializer on the hot path); the serializers below
only document the answer in the OpenAPI schema.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..forms import StatsFilterForm
from ..models import Campaign
from ..stats import get_campaign_stats


def register(router):
    """The stats route is not a viewset route: see campaigns/urls.py."""


class ProvinceCountSerializer(serializers.Serializer):
    province = serializers.CharField(allow_null=True, help_text="Province code (null: unknown).")
    name = serializers.CharField()
    count = serializers.IntegerField()


class DayCountSerializer(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class ResourceCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    count = serializers.IntegerField()


class ProvinceFiguresSerializer(serializers.Serializer):
    province = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    facilities_participating = serializers.IntegerField()
    flags_awarded = serializers.IntegerField()
    kit_requests = serializers.IntegerField()
    kits_units_shipped = serializers.IntegerField()
    grassroots_facilities_reached = serializers.IntegerField()
    downloads = serializers.IntegerField()
    activities_reported = serializers.IntegerField()
    audience_total = serializers.IntegerField()


class ModelCountSerializer(serializers.Serializer):
    model = serializers.CharField()
    count = serializers.IntegerField()


class CampaignStatsSerializer(serializers.Serializer):
    """Documentation of the answer; definitions of each figure: campaigns/stats.py."""

    campaign = serializers.SlugField()
    filters = inline_serializer(
        "StatsFilters",
        {
            "provinces": serializers.ListField(child=serializers.CharField()),
            "date_from": serializers.DateField(allow_null=True),
            "date_to": serializers.DateField(allow_null=True),
        },
    )
    generated_at = serializers.DateTimeField()
    facilities_participating = serializers.IntegerField(help_text="Approved participations.")
    facilities_by_kind = serializers.DictField(child=serializers.IntegerField())
    facilities_by_province = ProvinceCountSerializer(many=True)
    flags_awarded = serializers.IntegerField()
    kit_requests = serializers.DictField(
        child=serializers.IntegerField(), help_text="Requests by status; every status a key."
    )
    kits_units_shipped = serializers.IntegerField(help_text="Units shipped or received.")
    grassroots_facilities_reached = serializers.IntegerField(
        help_text="County-level facilities with at least one received kit of the campaign."
    )
    counties_reached = serializers.IntegerField(
        help_text="County-level divisions reached by a received kit or a verified activity."
    )
    counties_total = serializers.IntegerField(help_text="County-level divisions in the scope.")
    units_received = serializers.IntegerField(help_text="Units that arrived, as confirmed.")
    discrepancies_open = serializers.IntegerField(help_text="Receipts with an open discrepancy.")
    shipments_overdue = serializers.IntegerField(
        help_text="Shipped, not received after KIT_RECEIPT_CHASE_DAYS."
    )
    allotments_by_province = inline_serializer(
        "AllotmentUse",
        {
            "province": serializers.CharField(),
            "name": serializers.CharField(),
            "quantity": serializers.IntegerField(),
            "used": serializers.IntegerField(),
        },
        many=True,
    )
    digital_resources_published = serializers.IntegerField()
    downloads_total = serializers.IntegerField()
    downloads_by_province = ProvinceCountSerializer(many=True)
    downloads_by_day = DayCountSerializer(many=True)
    activities_reported = serializers.IntegerField(help_text="Reported or verified activities.")
    activities_verified = serializers.IntegerField()
    audience_total = serializers.IntegerField(help_text="Audience of verified activities.")
    activities_by_kind = serializers.DictField(child=serializers.IntegerField())
    stops_open = serializers.IntegerField(help_text="Tour stops of the campaign open now.")
    stops_held = serializers.IntegerField(help_text="Open or closed tour stops.")
    stop_audience = serializers.IntegerField(help_text="Visitors recorded at those stops.")
    trips_reported = serializers.IntegerField(help_text="Reported caravan trips.")
    trip_distance_km = serializers.IntegerField(help_text="Kilometres of those trips.")
    repair_tickets_open = serializers.IntegerField(
        help_text="Open or diagnosing repair tickets of the campaign's exhibition sets."
    )
    repair_tickets_by_severity = serializers.DictField(child=serializers.IntegerField())
    repair_tickets_by_cause = serializers.DictField(child=serializers.IntegerField())
    repair_mean_hours_to_resolve = serializers.FloatField(
        allow_null=True, help_text="Mean hours from opening to resolution of resolved tickets."
    )
    repair_faults_by_model = ModelCountSerializer(many=True)
    top_resources = ResourceCountSerializer(many=True)
    by_province = ProvinceFiguresSerializer(many=True)


class CampaignStatsView(APIView):
    """The coverage figures of a campaign, optionally for one province and a date window."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="campaigns_stats",
        parameters=[
            OpenApiParameter("province", OpenApiTypes.STR, description="Province code (230000)."),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day, inclusive."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day, inclusive."),
        ],
        responses=CampaignStatsSerializer,
    )
    def get(self, request, slug):
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
        form = StatsFilterForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=400)
        return Response(get_campaign_stats(campaign=campaign, filters=form.to_filter()))
