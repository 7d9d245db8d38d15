"""Monthly reports (/api/v1/monthly-reports/) and the yearly assessment of provinces
(/api/v1/campaigns/{slug}/assessment/, routed in campaigns/urls.py).

Thin: objects come from the scoping querysets (outside the scope is 404), state changes call
campaigns.assessment, and its domain errors become 409 (403 for permissions) in config.api.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.schema import documented

from .. import assessment
from ..filters import MonthlyReportFilter
from ..models import Campaign, MonthlyReport
from ..serializers import (
    MonthlyReportApproveSerializer,
    MonthlyReportCreateSerializer,
    MonthlyReportReturnSerializer,
    MonthlyReportSerializer,
    MonthlyReportSubmitSerializer,
)


def register(router):
    router.register("monthly-reports", MonthlyReportViewSet, basename="monthly-report")


def _answer(request, report, code=status.HTTP_200_OK):
    assessment.attach_current_figures([report])
    return Response(MonthlyReportSerializer(report, context={"request": request}).data, code)


@extend_schema_view(
    list=extend_schema(responses=documented(MonthlyReportSerializer(many=True), 400, 401)),
    retrieve=extend_schema(responses=documented(MonthlyReportSerializer, 401, 404)),
)
class MonthlyReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A facility's months: figures computed by the platform, signed off level by level."""

    serializer_class = MonthlyReportSerializer
    filterset_class = MonthlyReportFilter
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return (
            MonthlyReport.objects.visible_to(self.request.user)
            .select_related("facility")
            .order_by("-month", "facility_id", "id")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assessment.attach_current_figures(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return _answer(request, self.get_object())

    @extend_schema(
        request=MonthlyReportCreateSerializer,
        responses=documented({201: MonthlyReportSerializer}, 400, 401, 409),
    )
    def create(self, request):
        serializer = MonthlyReportCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = assessment.create_report(
            by=request.user,
            facility=data["facility"],
            month=assessment.parse_month(data["month"]),
            summary=data.get("summary", ""),
        )
        return _answer(request, report, status.HTTP_201_CREATED)

    @extend_schema(
        request=MonthlyReportSubmitSerializer,
        responses=documented(MonthlyReportSerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        serializer = MonthlyReportSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = assessment.submit_report(
            report=self.get_object(),
            by=request.user,
            summary=serializer.validated_data.get("summary"),
        )
        return _answer(request, report)

    @extend_schema(
        request=MonthlyReportApproveSerializer,
        responses=documented(MonthlyReportSerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        serializer = MonthlyReportApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = assessment.approve_report(
            report=self.get_object(),
            by=request.user,
            note=serializer.validated_data.get("note", ""),
        )
        return _answer(request, report)

    @extend_schema(
        request=MonthlyReportReturnSerializer,
        responses=documented(MonthlyReportSerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_report(self, request, pk=None):
        serializer = MonthlyReportReturnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = assessment.return_report(
            report=self.get_object(), by=request.user, reason=serializer.validated_data["reason"]
        )
        return _answer(request, report)


def parse_year(value, default):
    if value in (None, ""):
        return default
    if not str(value).isdigit() or not 2000 <= int(value) <= 2100:
        raise ValidationError({"year": [_("Give a year such as 2026.")]})
    return int(value)


class AssessmentView(APIView):
    """The provinces ranked by their weighted score for a year (administrators: all;
    coordinators: their own provinces)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="calendar year; default: the campaign's")
        ],
        responses=documented({200: OpenApiTypes.OBJECT}, 400, 401, 403, 404),
    )
    def get(self, request, slug):
        campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
        year = parse_year(request.query_params.get("year"), campaign.starts_on.year)
        rows = assessment.assessment_table(campaign=campaign, year=year, user=request.user)
        return Response(
            {
                "campaign": campaign.slug,
                "year": year,
                "weights": assessment.weights_for(campaign),
                "provinces": rows,
            }
        )
