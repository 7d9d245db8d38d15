"""REST endpoints of provincial allotments and of discrepancies found at receipt."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from facilities.roles import get_scope

from ..models import Allotment, Discrepancy, DiscrepancyStatus, Kit
from ..serializers.allotments import (
    AllotmentChangeSerializer,
    AllotmentCreateSerializer,
    AllotmentMoveSerializer,
    AllotmentSerializer,
    DiscrepancySerializer,
    ResolveSerializer,
)
from ..services import allotments as services


class ReadsForReviewersWritesForAdmins(permissions.BasePermission):
    """Coordinators read their provinces' rows (the querysets scope them); only national
    administrators change anything."""

    message = _("Only national administrators may do this.")

    def has_permission(self, request, view):
        scope = get_scope(request.user)
        if request.method in permissions.SAFE_METHODS:
            return scope.is_reviewer
        return scope.is_admin


def _validated(request, serializer_class):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class KitAllotmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A kit's allotments by province (`GET`), a new one (`POST`), units moved between two
    provinces in one step (`POST move/`)."""

    serializer_class = AllotmentSerializer
    permission_classes = [ReadsForReviewersWritesForAdmins]
    filter_backends = []

    def kit(self):
        return get_object_or_404(Kit, pk=self.kwargs["kit_pk"])

    def get_queryset(self):
        return (
            Allotment.objects.visible_to(self.request.user)
            .filter(kit_id=self.kwargs["kit_pk"])
            .select_related("province")
            .order_by("province_id", "id")
        )

    def list(self, request, *args, **kwargs):
        self.kit()  # an unknown kit is 404, not an empty list
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AllotmentCreateSerializer, responses={201: AllotmentSerializer})
    def create(self, request, *args, **kwargs):
        data = _validated(request, AllotmentCreateSerializer)
        allotment = services.allot(
            kit=self.kit(), province=data["province"], quantity=data["quantity"], by=request.user
        )
        return Response(AllotmentSerializer(allotment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AllotmentMoveSerializer, responses={200: AllotmentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def move(self, request, *args, **kwargs):
        data = _validated(request, AllotmentMoveSerializer)
        rows = services.move_allotment(
            kit=self.kit(),
            from_province=data["from_province"],
            to_province=data["to_province"],
            quantity=data["quantity"],
            by=request.user,
        )
        return Response(AllotmentSerializer(rows, many=True).data)


class AllotmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every allotment the user may see (coordinators: their provinces'); `PATCH` changes the
    quantity (administrators), never below what was used (409)."""

    serializer_class = AllotmentSerializer
    permission_classes = [ReadsForReviewersWritesForAdmins]
    filterset_fields = ["kit", "province"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Allotment.objects.visible_to(self.request.user)
            .select_related("province")
            .order_by("kit_id", "province_id", "id")
        )

    @extend_schema(request=AllotmentChangeSerializer, responses={200: AllotmentSerializer})
    def partial_update(self, request, *args, **kwargs):
        allotment = self.get_object()
        data = _validated(request, AllotmentChangeSerializer)
        services.set_allotment(allotment=allotment, quantity=data["quantity"], by=request.user)
        return Response(AllotmentSerializer(self.get_queryset().get(pk=allotment.pk)).data)


class DiscrepancyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DiscrepancyStatus.choices)
    province = django_filters.CharFilter(field_name="kit_request__facility__province_id")
    kit = django_filters.NumberFilter(field_name="kit_request__kit_id")

    class Meta:
        model = Discrepancy
        fields = ["status", "province", "kit"]


class DiscrepancyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Discrepancies found at receipt: administrators see all, coordinators their provinces';
    administrators resolve them."""

    serializer_class = DiscrepancySerializer
    permission_classes = [ReadsForReviewersWritesForAdmins]
    filterset_class = DiscrepancyFilter

    def get_queryset(self):
        return (
            Discrepancy.objects.visible_to(self.request.user)
            .select_related("kit_request__facility")
            .order_by("-opened_at", "-id")
        )

    @extend_schema(request=ResolveSerializer, responses={200: DiscrepancySerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = _validated(request, ResolveSerializer)
        discrepancy = services.resolve_discrepancy(
            discrepancy=self.get_object(),
            resolution=data["resolution"],
            note=data.get("note", ""),
            by=request.user,
        )
        return Response(DiscrepancySerializer(self.get_queryset().get(pk=discrepancy.pk)).data)


def register(router):
    router.register(
        r"kits/(?P<kit_pk>[0-9]{1,18})/allotments", KitAllotmentViewSet, basename="kit-allotment"
    )
    router.register("allotments", AllotmentViewSet, basename="allotment")
    router.register("discrepancies", DiscrepancyViewSet, basename="discrepancy")
