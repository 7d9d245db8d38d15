"""REST endpoints of exhibit care: hand-over checklists, repair tickets, known faults."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..filters.repairs import KnownFaultFilter, RepairTicketFilter
from ..models import Exhibit, ExhibitionSet, KnownFault, RepairTicket
from ..serializers.repairs import (
    HandOverInSerializer,
    HandOverOutSerializer,
    KnownFaultSerializer,
    RepairNoteSerializer,
    RepairPhotoSerializer,
    RepairTicketCreateSerializer,
    RepairTicketSerializer,
    RepairTicketWithSuggestionsSerializer,
    TicketResolveSerializer,
)
from ..services import repairs as services


def _validated(serializer_class, data):
    incoming = serializer_class(data=data)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def ticket_queryset(user):
    """Tickets the user may see, with what a list row shows (no query per row)."""
    return RepairTicket.objects.visible_to(user).select_related(
        "exhibit", "exhibition_set__operator"
    )


class HandOverView(APIView):
    """`POST /api/v1/tour-stops/{id}/handover/`: a set-up or dismantle checklist of a stop."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Record a hand-over checklist",
        description="Every exhibit of the set in use exactly once, else 400 naming the "
        "offending items. Damaged exhibits open repair tickets; missing ones become missing.",
        request=HandOverInSerializer,
        responses={201: HandOverOutSerializer},
    )
    def post(self, request, pk):
        from events.models import TourStop

        stop = get_object_or_404(TourStop.objects.visible_to(request.user), pk=pk)
        data = _validated(HandOverInSerializer, request.data)
        handover = services.record_handover(
            by=request.user,
            stop=stop,
            stage=data["stage"],
            severity=data["severity"],
            items=[(i["exhibit"], i["condition"], i["note"]) for i in data["items"]],
        )
        handover.item_count = len(data["items"])
        return Response(HandOverOutSerializer(handover).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List repair tickets"),
    retrieve=extend_schema(summary="One repair ticket"),
    create=extend_schema(
        summary="Report a fault",
        description="By the set's managers or the staff hosting the stop; the answer carries "
        "`suggested_fixes`, known faults of the same exhibit model, best match first.",
        request=RepairTicketCreateSerializer,
        responses={201: RepairTicketWithSuggestionsSerializer},
    ),
)
class RepairTicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RepairTicketSerializer
    filterset_class = RepairTicketFilter
    permission_classes = [permissions.IsAuthenticated]
    queryset = RepairTicket.objects.all()

    def get_queryset(self):
        return ticket_queryset(self.request.user).order_by("-opened_at", "-id")

    def _present(self, ticket, serializer=RepairTicketSerializer, code=status.HTTP_200_OK):
        fresh = ticket_queryset(self.request.user).get(pk=ticket.pk)
        fresh.suggested_fixes = getattr(ticket, "suggested_fixes", [])
        return Response(serializer(fresh).data, status=code)

    def create(self, request, *args, **kwargs):
        from events.models import TourStop

        data = _validated(RepairTicketCreateSerializer, request.data)
        visible_sets = ExhibitionSet.objects.visible_to(request.user)
        exhibit = (
            Exhibit.objects.filter(exhibition_set__in=visible_sets, pk=data["exhibit"])
            .select_related("exhibition_set__operator")
            .first()
        )
        if exhibit is None:
            raise exceptions.ValidationError({"exhibit": [_("No such exhibit.")]})
        stop = None
        if data.get("stop"):
            stop = TourStop.objects.visible_to(request.user).filter(pk=data["stop"]).first()
            if stop is None:
                raise exceptions.ValidationError({"stop": [_("No such stop.")]})
        ticket = services.open_ticket(
            by=request.user,
            exhibit=exhibit,
            stop=stop,
            fault=data["fault"],
            cause=data["cause"],
            severity=data["severity"],
        )
        ticket.suggested_fixes = services.suggest_fixes(model=exhibit.model, text=ticket.fault)
        return self._present(ticket, RepairTicketWithSuggestionsSerializer, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Start diagnosing", request=RepairNoteSerializer, responses=RepairTicketSerializer
    )
    @action(detail=True, methods=["post"])
    def diagnose(self, request, pk=None):
        data = _validated(RepairNoteSerializer, request.data)
        ticket = services.diagnose_ticket(
            by=request.user, ticket=self.get_object(), note=data["note"]
        )
        return self._present(ticket)

    @extend_schema(
        summary="Resolve", request=TicketResolveSerializer, responses=RepairTicketSerializer
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = _validated(TicketResolveSerializer, request.data)
        ticket = services.resolve_ticket(by=request.user, ticket=self.get_object(), **data)
        return self._present(ticket)

    @extend_schema(
        summary="Add a photo of the fault",
        description="Multipart `image`: a JPEG, PNG or WebP photo, stored re-encoded without "
        "its metadata. By the set's managers and whoever opened the ticket.",
        request={"multipart/form-data": RepairPhotoSerializer},
        responses={201: RepairPhotoSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        incoming = RepairPhotoSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        photo = services.add_ticket_photo(
            by=request.user, ticket=self.get_object(), image=incoming.validated_data["image"]
        )
        return Response(RepairPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Write off", request=RepairNoteSerializer, responses=RepairTicketSerializer
    )
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, pk=None):
        data = _validated(RepairNoteSerializer, request.data)
        ticket = services.write_off_ticket(
            by=request.user, ticket=self.get_object(), note=data["note"]
        )
        return self._present(ticket)


@extend_schema_view(
    list=extend_schema(summary="Search the known faults"),
    create=extend_schema(
        summary="Add a known fault", description="By administrators and coordinators."
    ),
)
class KnownFaultViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = KnownFaultSerializer
    filterset_class = KnownFaultFilter
    permission_classes = [permissions.IsAuthenticated]
    queryset = KnownFault.objects.order_by("model", "-times_used", "id")

    def create(self, request, *args, **kwargs):
        data = _validated(KnownFaultSerializer, request.data)
        fault = services.add_known_fault(by=request.user, **data)
        return Response(KnownFaultSerializer(fault).data, status=status.HTTP_201_CREATED)


def register(router):
    router.register("repair-tickets", RepairTicketViewSet, basename="repair-ticket")
    router.register("known-faults", KnownFaultViewSet, basename="known-fault")
