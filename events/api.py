"""REST API of activities: /api/v1/activities/ and its actions (see API.md)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from campaigns.models import Participation

from . import services
from .filters import ActivityFilter
from .images import InvalidImage
from .models import Activity
from .serializers import (
    ActivityCreateSerializer,
    ActivityPhotoSerializer,
    ActivityRejectSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    PhotoUploadSerializer,
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
        try:
            photo = services.add_photo(
                activity=activity, by=request.user, **incoming.validated_data
            )
        except InvalidImage as error:
            raise serializers.ValidationError({"image": [str(error.message)]}) from None
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
