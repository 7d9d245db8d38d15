"""GET /api/v1/campaigns/{slug}/coverage/ (counties reached per region) and .../impact/.

A plain APIView (routed in campaigns/api_urls.py) answering the dict of campaigns.coverage;
the serializers below only document it.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.models import RegionLevel

from ..coverage import campaign_coverage
from ..forms import CoverageFilterForm
from ..impact import campaign_impact
from ..models import Campaign


class CoverageRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=RegionLevel.choices)
    counties = serializers.IntegerField(help_text="County-level divisions in the region.")
    counties_reached = serializers.IntegerField()
    facilities = serializers.IntegerField(help_text="Approved participants located there.")
    stops = serializers.IntegerField()
    trips = serializers.IntegerField()
    kits_received = serializers.IntegerField(help_text="Received kit requests.")
    downloads = serializers.IntegerField(help_text="Shown only: downloads reach no county.")
    activities = serializers.IntegerField(help_text="Verified activities.")
    audience = serializers.IntegerField()
    last_reached_on = serializers.DateField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())


class CoverageSummarySerializer(serializers.Serializer):
    counties = serializers.IntegerField()
    counties_reached = serializers.IntegerField()
    share = serializers.FloatField(help_text="From 0 to 1.")


class CoverageSerializer(serializers.Serializer):
    summary = CoverageSummarySerializer()
    results = CoverageRowSerializer(many=True)


class CampaignCoverageView(APIView):
    """Counties reached by the campaign, per region of one level."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="campaigns_coverage",
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=RegionLevel.values),
            OpenApiParameter("parent", OpenApiTypes.STR, description="Region code (230000)."),
            OpenApiParameter("tag", OpenApiTypes.STR, description="Priority tag code (border)."),
        ],
        responses=CoverageSerializer,
    )
    def get(self, request, slug):
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
        form = CoverageFilterForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=400)
        return Response(
            campaign_coverage(campaign=campaign, use_cache=True, **form.coverage_arguments())
        )


class ImpactRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    activities = serializers.IntegerField(help_text="Verified activities that used it.")
    stops = serializers.IntegerField()
    audience = serializers.IntegerField()
    provinces = serializers.IntegerField()
    counties = serializers.IntegerField()


class ImpactSerializer(serializers.Serializer):
    kits = ImpactRowSerializer(many=True)
    resources = ImpactRowSerializer(many=True)
    exhibition_sets = ImpactRowSerializer(many=True)


class CampaignImpactView(APIView):
    """Per kit, digital resource and exhibition set: activities, stops, audience, provinces and
    counties reached."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="campaigns_impact", responses=ImpactSerializer)
    def get(self, request, slug):
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
        return Response(campaign_impact(campaign=campaign, user=request.user))
