"""REST API of activities: /api/v1/activities/ and its actions (see API.md)."""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import Participation

from . import services
from .filters import ActivityFilter, CaravanTripFilter, TourStopFilter
from .models import Activity, CaravanTrip, TourStop
from .serializers import (
    ActivityCreateSerializer,
    ActivityPhotoSerializer,
    ActivityRejectSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    AttendanceCreateSerializer,
    AttendanceSerializer,
    CaravanTripCreateSerializer,
    CaravanTripSerializer,
    FieldSummarySerializer,
    PhotoUploadSerializer,
    TourStopCreateSerializer,
    TourStopSerializer,
    TripReportSerializer,
)


def with_related(queryset):
    """Everything a list of activities shows, in a constant number of queries."""
    return queryset.with_photos().prefetch_related(
        "kits_used",
        "resources_used",
        Prefetch(
            "flags_awarded",
            queryset=Participation.objects.filter(flag_awarded_at__isnull=False)
            .select_related("facility")
            .order_by("facility__name", "id"),
        ),
    )


class SignedInToWrite(permissions.BasePermission):
    """Anyone reads; writing needs a signed-in user (401 otherwise)."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )


@extend_schema_view(
    list=extend_schema(
        summary="List activities",
        description="Verified activities for everyone; staff also see their facility's "
        "reports, coordinators their province's, administrators all. Newest first.",
    ),
    retrieve=extend_schema(summary="One activity"),
    create=extend_schema(
        summary="Report an activity",
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer},
    ),
    partial_update=extend_schema(
        summary="Change a report",
        description="Only the staff of its facility, and only until it is verified; "
        "editing a rejected report resubmits it.",
        request=ActivityUpdateSerializer,
        responses={200: ActivitySerializer},
    ),
)
class ActivityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    permission_classes = [SignedInToWrite]
    # Token first, so that a request without credentials is told 401 with a challenge.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Activity.objects.all()

    def get_queryset(self):
        user = self.request.user
        base = Activity.objects.order_by("-starts_at", "-id")
        if self.action in ("partial_update", "photos"):
            # Only its own staff may change a report; anyone else gets 404.
            scoped = base.editable_by(user)
        elif self.action in ("verify", "reject"):
            scoped = base.reviewable_by(user)
        else:
            scoped = base.visible_to(user)
        return with_related(scoped)

    def create(self, request, *args, **kwargs):
        incoming = ActivityCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        activity = services.report_activity(by=request.user, **incoming.validated_data)
        return Response(self._present(activity), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        activity = self.get_object()
        incoming = ActivityUpdateSerializer(
            activity, data=request.data, partial=True, context=self.get_serializer_context()
        )
        incoming.is_valid(raise_exception=True)
        activity = services.update_activity(
            activity=activity, by=request.user, **incoming.validated_data
        )
        return Response(self._present(activity))

    def _present(self, activity):
        fresh = with_related(Activity.objects.filter(pk=activity.pk)).get()
        return ActivitySerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Add a photo",
        description="Multipart upload by the staff of the activity's facility. The image "
        "must be a JPEG, PNG or WebP within the size and pixel limits; it is stored upright "
        "and without EXIF. The thumbnail is made in the background (null until then).",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={
            201: ActivityPhotoSerializer,
            400: OpenApiResponse(description="Not an acceptable image; the reason is given."),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser, FormParser],
        serializer_class=PhotoUploadSerializer,
    )
    def photos(self, request, pk=None):
        activity = self.get_object()
        incoming = PhotoUploadSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        # A refused image is a 400 on the "image" field (config.api.exception_handler).
        photo = services.add_photo(activity=activity, by=request.user, **incoming.validated_data)
        data = ActivityPhotoSerializer(photo, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Verify a report",
        description="`reported → verified`, by an administrator or a coordinator of the "
        "facility's province; the staff are told by mail.",
        request=None,
        responses={200: ActivitySerializer},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        activity = services.verify_activity(activity=self.get_object(), by=request.user)
        return Response(self._present(activity))

    @extend_schema(
        summary="Reject a report",
        description="`reported → rejected` with a reason (required); the staff are told by mail.",
        request=ActivityRejectSerializer,
        responses={200: ActivitySerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        activity = self.get_object()
        incoming = ActivityRejectSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        activity = services.reject_activity(
            activity=activity, by=request.user, reason=incoming.validated_data["reason"]
        )
        return Response(self._present(activity))


def register(router):
    """Register this app's viewsets on the shared API router."""
    router.register("activities", ActivityViewSet, basename="activity")
    register_field(router)


# ---------------------------------------------------------------------------
# Field work: tour stops and their attendance, caravan trips, field summaries
# ---------------------------------------------------------------------------


def _validated(serializer_class, data, context=None):
    incoming = serializer_class(data=data, context=context or {})
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


class FieldWorkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Stops and trips: listed through `visible_to`, planned by `plan`, moved by actions that
    call one service each and answer the object as it is now."""

    permission_classes = [SignedInToWrite]
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    related = ()
    ordering = ()
    create_serializer_class = None
    plan_service = None
    # The keyword under which the services take the object ("stop", "trip").
    object_name = ""

    def get_queryset(self):
        model = self.queryset.model
        return (
            model.objects.visible_to(self.request.user)
            .select_related(*self.related)
            .order_by(*self.ordering)
        )

    def _present(self, obj, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(
            self.serializer_class(fresh, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def create(self, request, *args, **kwargs):
        data = _validated(self.create_serializer_class, request.data, self.get_serializer_context())
        return self._present(self.plan_service(by=request.user, **data), status.HTTP_201_CREATED)

    def _act(self, service):
        """Apply a state-change service to the object of the URL and answer it."""
        changed = service(by=self.request.user, **{self.object_name: self.get_object()})
        return self._present(changed)


@extend_schema_view(
    list=extend_schema(
        summary="List tour stops",
        description="Every stop that is not cancelled; the set's managers also see cancelled "
        "ones. `active_on` keeps stops whose dates include that day.",
    ),
    retrieve=extend_schema(summary="One tour stop"),
    create=extend_schema(
        summary="Plan a tour stop",
        description="By the set's managers. `region` is a county code. Dates overlapping "
        "another non-cancelled stop of the set: 409.",
        request=TourStopCreateSerializer,
        responses={201: TourStopSerializer},
    ),
)
class TourStopViewSet(FieldWorkViewSet):
    serializer_class = TourStopSerializer
    create_serializer_class = TourStopCreateSerializer
    filterset_class = TourStopFilter
    queryset = TourStop.objects.all()
    related = ("exhibition_set", "region")
    ordering = ("starts_on", "id")
    object_name = "stop"
    plan_service = staticmethod(services.plan_stop)

    @extend_schema(summary="Open the stop", request=None, responses={200: TourStopSerializer})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """`planned → open`; a set has at most one open stop (409)."""
        return self._act(services.open_stop)

    @extend_schema(summary="Close the stop", request=None, responses={200: TourStopSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """`open → closed`."""
        return self._act(services.close_stop)

    @extend_schema(summary="Cancel the stop", request=None, responses={200: TourStopSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """`planned → cancelled`."""
        return self._act(services.cancel_stop)

    @extend_schema(
        methods=["GET"],
        summary="Daily attendance of the stop",
        responses={200: AttendanceSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a day's attendance",
        description="By the set's managers and the host's staff, on an open or closed stop, "
        "for a day of the stop that is not in the future; one entry a date (409).",
        request=AttendanceCreateSerializer,
        responses={201: AttendanceSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def attendance(self, request, pk=None):
        stop = self.get_object()
        if request.method == "POST":
            data = _validated(AttendanceCreateSerializer, request.data)
            entry = services.record_attendance(by=request.user, stop=stop, **data)
            return Response(AttendanceSerializer(entry).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(stop.attendance.order_by("date", "id"))
        return self.get_paginated_response(AttendanceSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="List caravan trips",
        description="Approved and reported trips for everyone; the caravan's staff and the "
        "reviewers of its province also see planned and cancelled ones.",
    ),
    retrieve=extend_schema(summary="One caravan trip"),
    create=extend_schema(
        summary="Plan a caravan trip",
        description="By the staff of the caravan; it starts `planned`.",
        request=CaravanTripCreateSerializer,
        responses={201: CaravanTripSerializer},
    ),
)
class CaravanTripViewSet(FieldWorkViewSet):
    serializer_class = CaravanTripSerializer
    create_serializer_class = CaravanTripCreateSerializer
    filterset_class = CaravanTripFilter
    queryset = CaravanTrip.objects.all()
    related = ("facility", "region")
    ordering = ("-starts_on", "-id")
    object_name = "trip"
    plan_service = staticmethod(services.plan_trip)

    @extend_schema(summary="Approve the trip", request=None, responses={200: CaravanTripSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """`planned → approved`, by a coordinator of its province or an administrator."""
        return self._act(services.approve_trip)

    @extend_schema(summary="Cancel the trip", request=None, responses={200: CaravanTripSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """`planned|approved → cancelled`, by the caravan's staff."""
        return self._act(services.cancel_trip)

    @extend_schema(
        summary="Report the trip",
        description="By the caravan's staff, on an approved trip whose end date has come.",
        request=TripReportSerializer,
        responses={200: CaravanTripSerializer},
    )
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        data = _validated(TripReportSerializer, request.data)
        return self._present(services.report_trip(by=request.user, trip=self.get_object(), **data))


class FieldSummaryView(APIView):
    """`GET /api/v1/facilities/{id}/field-summary/?year=`: a facility's field work in a year."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="A facility's field summary for a year",
        parameters=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, description="Calendar year; defaults to this year."
            )
        ],
        responses={200: FieldSummarySerializer},
    )
    def get(self, request, pk):
        from django.shortcuts import get_object_or_404
        from django.utils import timezone

        from facilities.models import Facility

        facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)
        raw = request.query_params.get("year") or str(timezone.localdate().year)
        if not raw.isdigit() or not 1900 <= int(raw) <= 9999:
            raise serializers.ValidationError({"year": [_("Give a year such as 2024.")]})
        summary = services.field_summary(facility=facility, year=int(raw))
        return Response(FieldSummarySerializer(summary).data)


def register_field(router):
    router.register("tour-stops", TourStopViewSet, basename="tour-stop")
    router.register("caravan-trips", CaravanTripViewSet, basename="caravan-trip")
