"""REST endpoints of exhibition sets, their exhibits and their calendar feed."""

import datetime

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from icalendar import Calendar, Event
from rest_framework import mixins, permissions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ..filters.exhibits import ExhibitionSetFilter
from ..models import Exhibit, ExhibitionSet
from ..serializers.exhibits import (
    ExhibitCreateSerializer,
    ExhibitionSetCreateSerializer,
    ExhibitionSetSerializer,
    ExhibitSerializer,
)
from ..services import exhibits as services


class SignedInToWrite(permissions.BasePermission):
    """Anyone reads; writing needs a signed-in user (401 otherwise)."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )


def with_figures(queryset):
    """The set list's annotations: exhibit count and open stop, as subqueries (no row fan-out)."""
    from events.models import TourStop, TourStopStatus

    exhibits = (
        Exhibit.objects.filter(exhibition_set=OuterRef("pk"))
        .order_by()
        .values("exhibition_set")
        .annotate(n=Count("id"))
        .values("n")
    )
    open_stop = TourStop.objects.filter(
        exhibition_set=OuterRef("pk"), status=TourStopStatus.OPEN
    ).values("pk")[:1]
    return queryset.select_related("operator").annotate(
        exhibit_count=Coalesce(Subquery(exhibits), 0), current_stop=Subquery(open_stop)
    )


@extend_schema_view(
    list=extend_schema(summary="List exhibition sets"),
    retrieve=extend_schema(summary="One exhibition set"),
    create=extend_schema(
        summary="Add an exhibition set",
        description="By an administrator or a coordinator of the operator's province.",
        request=ExhibitionSetCreateSerializer,
        responses={201: ExhibitionSetSerializer},
    ),
)
class ExhibitionSetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ExhibitionSetSerializer
    filterset_class = ExhibitionSetFilter
    permission_classes = [SignedInToWrite]
    queryset = ExhibitionSet.objects.all()

    def get_queryset(self):
        return with_figures(ExhibitionSet.objects.visible_to(self.request.user)).order_by(
            "code", "id"
        )

    def _present(self, exhibition_set, status_code=status.HTTP_200_OK):
        fresh = with_figures(ExhibitionSet.objects.filter(pk=exhibition_set.pk)).get()
        data = ExhibitionSetSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        incoming = ExhibitionSetCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        exhibition_set = services.create_set(by=request.user, **incoming.validated_data)
        return self._present(exhibition_set, status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"], summary="The set's exhibits", responses={200: ExhibitSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        summary="Add an exhibit",
        description="By the set's managers; the code is unique within the set.",
        request=ExhibitCreateSerializer,
        responses={201: ExhibitSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def exhibits(self, request, pk=None):
        exhibition_set = self.get_object()
        if request.method == "POST":
            incoming = ExhibitCreateSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            exhibit = services.add_exhibit(
                by=request.user, exhibition_set=exhibition_set, **incoming.validated_data
            )
            return Response(ExhibitSerializer(exhibit).data, status=status.HTTP_201_CREATED)
        exhibits = exhibition_set.exhibits.order_by("code", "id")
        page = self.paginate_queryset(exhibits)
        return self.get_paginated_response(ExhibitSerializer(page, many=True).data)


class ICalendarRenderer(renderers.BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def schedule_calendar(exhibition_set, stops, site):
    """The set's non-cancelled stops as an RFC 5545 calendar, one all-day event per stop."""
    calendar = Calendar()
    calendar.add("prodid", "-//kepu platform//exhibition schedule//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{exhibition_set.code} {exhibition_set.name}")
    stamp = timezone.now()
    for stop in stops:
        event = Event()
        event.add("uid", f"tour-stop-{stop.pk}@kepu")
        event.add("dtstamp", stamp)
        event.add("summary", f"{exhibition_set.name} · {stop.venue}")
        event.add("dtstart", stop.starts_on)
        # All-day events end on the day after the last one (DTEND is exclusive).
        event.add("dtend", stop.ends_on + datetime.timedelta(days=1))
        event.add("location", f"{stop.venue}, {stop.region.name}")
        event.add("status", "CONFIRMED" if stop.status != "planned" else "TENTATIVE")
        if stop.opening_days:
            event.add("description", stop.opening_days)
        event.add("url", site + reverse("events:stop", args=[stop.pk]))
        event.add("last-modified", stop.updated_at)
        calendar.add_component(event)
    return calendar.to_ical()


class ScheduleFeedView(APIView):
    """`GET /api/v1/exhibition-sets/{id}/schedule.ics`: the set's stops for calendar apps."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [ICalendarRenderer]

    @extend_schema(
        summary="The set's stops as an iCalendar feed",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR),
            404: OpenApiResponse(description="No such set, or not visible."),
        },
    )
    def get(self, request, pk):
        from events.models import TourStop

        exhibition_set = get_object_or_404(ExhibitionSet.objects.visible_to(request.user), pk=pk)
        stops = (
            TourStop.objects.visible_to(None)
            .filter(exhibition_set=exhibition_set)
            .select_related("region")
            .order_by("starts_on", "id")
        )
        site = settings.SITE_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")
        body = schedule_calendar(exhibition_set, stops, site)
        response = Response(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{exhibition_set.code}.ics"'
        return response


def register(router):
    router.register("exhibition-sets", ExhibitionSetViewSet, basename="exhibition-set")
