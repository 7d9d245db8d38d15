"""GET /api/v1/campaigns/{slug}/coverage/ (counties reached per region), .../impact/ and
.../suggested-stops/ (where an exhibition set might go next).

A plain APIView (routed in campaigns/urls.py) answering the dict of campaigns.coverage;
the serializers below only document it.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.models import RegionLevel
from resources.models import ExhibitionSet
from resources.services.exhibits import can_manage_set

from ..coverage import campaign_coverage
from ..forms import CoverageFilterForm, SuggestedStopsForm
from ..impact import campaign_impact
from ..models import Campaign
from ..suggestions import DEFAULT_COUNT, MAX_COUNT, suggested_stops


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


class SuggestedStopSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="County code (GB/T 2260).")
    name = serializers.CharField()
    score = serializers.IntegerField(
        help_text=(
            "Higher first; orders like the ranking: never reached, then more priority tags, "
            "then longer since last reached, then nearer to the set's current or last stop."
        )
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why, in words of the active language."
    )


class SuggestedStopsView(APIView):
    """Counties of the set's operator's province ranked for the set's next stop (its managers
    only); counties with a planned or open stop of the set are left out."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="campaigns_suggested_stops",
        parameters=[
            OpenApiParameter(
                "exhibition_set", OpenApiTypes.INT, required=True, description="Set id."
            ),
            OpenApiParameter(
                "count",
                OpenApiTypes.INT,
                description=f"How many counties, {DEFAULT_COUNT} unless given, {MAX_COUNT} at most.",
            ),
        ],
        responses={200: SuggestedStopSerializer(many=True)},
    )
    def get(self, request, slug):
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
        form = SuggestedStopsForm(request.query_params)
        if not form.is_valid():
            return Response(form.errors, status=400)
        exhibition_set = get_object_or_404(
            ExhibitionSet.objects.visible_to(request.user).select_related("operator"),
            pk=form.cleaned_data["exhibition_set"],
        )
        if not can_manage_set(request.user, exhibition_set):
            raise PermissionDenied(
                _("Only the managers of this exhibition set see where it might go next.")
            )
        return Response(
            suggested_stops(
                campaign=campaign,
                exhibition_set=exhibition_set,
                count=form.cleaned_data["count"] or DEFAULT_COUNT,
            )
        )
