"""Campaigns and participations: /api/v1/campaigns/ and /api/v1/participations/."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.errors import NotAllowed
from config.parsers import JSONParser
from config.permissions import IsNationalAdmin
from config.schema import documented

from .. import services
from ..filters import CampaignFilter, ParticipationFilter
from ..models import Campaign, Participation, ParticipationStatus
from ..serializers import (
    ApplySerializer,
    AwardFlagSerializer,
    CampaignSerializer,
    ParticipationSerializer,
)

PARTICIPATION_RELATED = ("campaign", "facility__province")


@extend_schema_view(
    list=extend_schema(responses=documented(CampaignSerializer(many=True), 400, 404)),
    retrieve=extend_schema(responses=documented(CampaignSerializer, 404)),
    create=extend_schema(responses=documented({201: CampaignSerializer}, 400, 401, 403)),
    partial_update=extend_schema(responses=documented(CampaignSerializer, 400, 401, 403, 404)),
)
class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Campaigns (drafts only for administrators); administrators create and edit them."""

    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    lookup_field = "slug"
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return Campaign.objects.visible_to(self.request.user).order_by("-starts_on", "-id")

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        if self.action == "participations":  # facility staff apply
            return [permissions.IsAuthenticated()]
        return [
            permissions.IsAuthenticated(),
            IsNationalAdmin(
                gettext_lazy("Campaigns are created and edited by national administrators.")
            ),
        ]

    def perform_create(self, serializer):
        serializer.instance = services.save_campaign(
            campaign=Campaign(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        campaign = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(campaign, name, value)
        services.save_campaign(campaign=campaign, by=self.request.user)

    @extend_schema(
        methods=["GET"],
        responses=documented(ParticipationSerializer(many=True), 400, 404),
        parameters=[
            OpenApiParameter("status", str, enum=ParticipationStatus.values),
            OpenApiParameter("province", str, description="province code"),
            OpenApiParameter("flag_awarded", bool),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        description="Participations of the campaign (approved ones, plus the caller's own and "
        "those they review).",
    )
    @extend_schema(
        methods=["POST"],
        request=ApplySerializer,
        responses=documented({201: ParticipationSerializer}, 400, 401, 403, 404, 409),
        description="A facility's staff apply to take part; the answer has status `applied`.",
    )
    @action(detail=True, methods=["get", "post"])
    def participations(self, request, slug=None):
        campaign = get_object_or_404(self.get_queryset(), slug=slug)
        if request.method == "POST":
            serializer = ApplySerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            participation = services.apply_to_campaign(
                campaign=campaign, facility=serializer.validated_data["facility"], by=request.user
            )
            participation = Participation.objects.select_related(*PARTICIPATION_RELATED).get(
                pk=participation.pk
            )
            return Response(
                ParticipationSerializer(participation).data, status=status.HTTP_201_CREATED
            )
        queryset = (
            Participation.objects.visible_to(request.user)
            .filter(campaign=campaign)
            .select_related(*PARTICIPATION_RELATED)
            .order_by("facility__province_id", "facility__name", "id")
        )
        filterset = ParticipationFilter(request.GET, queryset=queryset, request=request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = filterset.qs
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ParticipationSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(responses=documented(ParticipationSerializer(many=True), 400, 404)),
    retrieve=extend_schema(responses=documented(ParticipationSerializer, 404)),
)
class ParticipationViewSet(viewsets.ReadOnlyModelViewSet):
    """Participations visible to the caller; administrators approve and award the flag."""

    serializer_class = ParticipationSerializer
    filterset_class = ParticipationFilter

    def get_queryset(self):
        return (
            Participation.objects.visible_to(self.request.user)
            .select_related(*PARTICIPATION_RELATED)
            .order_by("campaign_id", "facility__province_id", "facility__name", "id")
        )

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def _answer(self, participation):
        return Response(self.get_serializer(self.get_queryset().get(pk=participation.pk)).data)

    @extend_schema(request=None, responses=documented(ParticipationSerializer, 401, 403, 404, 409))
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """applied → approved (national administrators)."""
        participation = self.get_object()
        return self._answer(
            services.approve_participation(participation=participation, by=request.user)
        )

    @extend_schema(
        request=AwardFlagSerializer,
        responses=documented(ParticipationSerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="award-flag")
    def award_flag(self, request, pk=None):
        """Record the joint-action flag for an approved participant (national administrators)."""
        participation = self.get_object()
        if not services.can_decide_participation(request.user):
            raise NotAllowed(_("The joint-action flag is awarded by a national administrator."))
        serializer = AwardFlagSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            services.award_flag(
                participation=participation, by=request.user, **serializer.validated_data
            )
        )

    @extend_schema(request=None, responses=documented(ParticipationSerializer, 401, 403, 404, 409))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """applied or approved → withdrawn (the facility's staff or administrators)."""
        participation = self.get_object()
        return self._answer(
            services.withdraw_participation(participation=participation, by=request.user)
        )


def register(router):
    """Register campaign and participation viewsets."""
    router.register("campaigns", CampaignViewSet, basename="api-campaign")
    router.register("participations", ParticipationViewSet, basename="api-participation")
