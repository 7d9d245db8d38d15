"""REST endpoints of kits and kit requests; every state change is a POST action on a service."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..filters.kits import KitFilter, KitRequestFilter
from ..models import Kit, KitRequest, KitRequestTransition
from ..serializers.allotments import ReceiveSerializer
from ..serializers.kits import (
    KitRequestCreateSerializer,
    KitRequestDetailSerializer,
    KitRequestSerializer,
    KitSerializer,
    NoteSerializer,
    RejectSerializer,
    ShipSerializer,
)
from ..services import kits as services


class KitViewSet(viewsets.ReadOnlyModelViewSet):
    """The kit catalogue with live stock; anyone may read it."""

    queryset = Kit.objects.order_by("code", "id")
    serializer_class = KitSerializer
    filterset_class = KitFilter
    permission_classes = [permissions.AllowAny]


class KitRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Kit requests scoped by role: staff see their facilities', coordinators their
    province's, administrators all; anything else is 404."""

    serializer_class = KitRequestSerializer
    filterset_class = KitRequestFilter
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        queryset = (
            KitRequest.objects.visible_to(self.request.user)
            .select_related("kit", "facility")
            .order_by("-created_at", "-id")
        )
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "transitions",
                    queryset=KitRequestTransition.objects.select_related("by").order_by("at", "id"),
                )
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return KitRequestCreateSerializer
        if self.action == "list":
            return KitRequestSerializer
        return KitRequestDetailSerializer

    def _answer(self, kit_request, status_code=status.HTTP_200_OK):
        kit_request = self.get_queryset().get(pk=kit_request.pk)
        return Response(
            KitRequestDetailSerializer(kit_request, context=self.get_serializer_context()).data,
            status=status_code,
        )

    @extend_schema(request=KitRequestCreateSerializer, responses={201: KitRequestDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = KitRequestCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        kit_request = services.submit_request(by=request.user, **serializer.validated_data)
        return self._answer(kit_request, status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses={200: KitRequestDetailSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve and reserve stock; 409 when not enough is available."""
        data = self._validated(NoteSerializer)
        kit_request = services.approve_request(
            kit_request=self.get_object(), by=request.user, note=data.get("note", "")
        )
        return self._answer(kit_request)

    @extend_schema(request=RejectSerializer, responses={200: KitRequestDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = self._validated(RejectSerializer)
        kit_request = services.reject_request(
            kit_request=self.get_object(), by=request.user, reason=data["reason"]
        )
        return self._answer(kit_request)

    @extend_schema(request=ShipSerializer, responses={200: KitRequestDetailSerializer})
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        data = self._validated(ShipSerializer)
        kit_request = services.ship_request(
            kit_request=self.get_object(),
            by=request.user,
            carrier=data["carrier"],
            tracking_number=data["tracking_number"],
            note=data.get("note", ""),
        )
        return self._answer(kit_request)

    @extend_schema(request=ReceiveSerializer, responses={200: KitRequestDetailSerializer})
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Confirm what arrived: by default all of it, complete; otherwise the quantity
        received and the condition, which opens a discrepancy."""
        data = self._validated(ReceiveSerializer)
        kit_request = services.receive_request(
            kit_request=self.get_object(),
            by=request.user,
            note=data.get("note", ""),
            quantity_received=data.get("quantity_received"),
            condition=data.get("condition", ""),
            quantity_damaged=data.get("quantity_damaged"),
            photo=data.get("photo"),
        )
        return self._answer(kit_request)

    @extend_schema(request=NoteSerializer, responses={200: KitRequestDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a submitted or approved request; an approved one gives its stock back."""
        data = self._validated(NoteSerializer)
        kit_request = services.cancel_request(
            kit_request=self.get_object(), by=request.user, note=data.get("note", "")
        )
        return self._answer(kit_request)

    def _validated(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def register(router):
    """Register the kits viewsets."""
    router.register("kits", KitViewSet, basename="kit")
    router.register("kit-requests", KitRequestViewSet, basename="kit-request")
