"""REST API of the facilities app: regions, facilities and accounts (auth/*)."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import NotAllowed
from config.schema import documented

from . import services
from .filters import FacilityFilter, RegionFilter
from .models import Facility, Membership, Region
from .roles import get_scope
from .serializers import (
    DecisionSerializer,
    FacilityRejectSerializer,
    FacilitySerializer,
    MeSerializer,
    RegionSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


@extend_schema_view(
    list=extend_schema(responses=documented(RegionSerializer(many=True), 400, 404)),
    retrieve=extend_schema(responses=documented(RegionSerializer, 404)),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The region tree (GB/T 2260); `?parent=<code>&page_size=500` lists all children at once."""

    queryset = Region.objects.prefetch_related("tags").order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{6}"
    permission_classes = [permissions.AllowAny]


@extend_schema_view(
    list=extend_schema(responses=documented(FacilitySerializer(many=True), 400, 404)),
    retrieve=extend_schema(responses=documented(FacilitySerializer, 404)),
    create=extend_schema(responses=documented({201: FacilitySerializer}, 400, 401, 403)),
    partial_update=extend_schema(responses=documented(FacilitySerializer, 400, 401, 403, 404)),
)
class FacilityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Facilities: approved ones for everyone, plus the user's own and those they review."""

    serializer_class = FacilitySerializer
    filterset_class = FacilityFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Facility.objects.visible_to(self.request.user)
            .select_related("region", "province")
            .order_by("name", "id")
        )

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def create(self, request, *args, **kwargs):
        if not services.can_register_facility(request.user):
            raise NotAllowed(_("You already work for a facility; one account registers one unit."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        facility = services.register_facility(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(facility).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        facility = self.get_object()
        if not services.can_edit_facility(request.user, facility):
            raise NotAllowed(_("Only the staff of this facility can change it."))
        serializer = self.get_serializer(facility, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        facility = services.update_facility(
            facility=facility, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(facility).data)

    def _decide(self, request, service, serializer_class=DecisionSerializer):
        facility = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        facility = service(facility=facility, by=request.user, **serializer.validated_data)
        facility = self.get_queryset().get(pk=facility.pk)
        return Response(self.get_serializer(facility).data)

    @extend_schema(
        request=DecisionSerializer,
        responses=documented(FacilitySerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """pending (or suspended) → approved: administrators and coordinators of its province."""
        return self._decide(request, services.approve_facility)

    @extend_schema(
        request=DecisionSerializer,
        responses=documented(FacilitySerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """pending or approved → suspended: administrators and coordinators of its province."""
        return self._decide(request, services.suspend_facility)

    @extend_schema(
        request=FacilityRejectSerializer,
        responses=documented(FacilitySerializer, 400, 401, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """pending → rejected with a required `reason`: administrators and coordinators."""
        return self._decide(request, services.reject_facility, FacilityRejectSerializer)


def lockout_message():
    minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60))
    return _(
        "Too many failed sign-in attempts. Signing in is blocked for %(minutes)d minutes; "
        "try again later or reset your password."
    ) % {"minutes": minutes}


class RegisterView(APIView):
    """Create an account; answers its id, user name and an API token."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=RegisterSerializer, responses=documented({201: RegisteredSerializer}, 400)
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            user = services.create_account(**serializer.validated_data)
            token = Token.objects.create(user=user)
        return Response(
            {"id": user.pk, "username": user.get_username(), "token": token.key},
            status=status.HTTP_201_CREATED,
        )


class TokenView(APIView):
    """Exchange a user name and password for an API token; failures count towards lockout."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses=documented(TokenSerializer, 400, 429))
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None:
            return Response(
                {"detail": _("The user name or password is not correct.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    """Who the caller is: administrator flag, facilities with roles, coordinated provinces."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=documented(MeSerializer, 401))
    def get(self, request):
        scope = get_scope(request.user)
        memberships = Membership.objects.filter(user=request.user).order_by("facility_id")
        return Response(
            {
                "id": request.user.pk,
                "username": request.user.get_username(),
                "is_admin": scope.is_admin,
                "facilities": [
                    {"id": facility_id, "role": role}
                    for facility_id, role in memberships.values_list("facility_id", "role")
                ],
                "coordinator_of": sorted(scope.province_codes),
            }
        )


def register(router):
    """Register this app's viewsets on the shared API router."""
    router.register("regions", RegionViewSet, basename="api-region")
    router.register("facilities", FacilityViewSet, basename="api-facility")
