"""REST endpoints of bulk distributions (administrators) and offline bundles (the catalogue)."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.parsers import JSONParser
from config.permissions import IsNationalAdmin
from facilities.roles import get_scope

from ..models import DigitalResource, Distribution, ResourceBundle
from ..serializers.distributions import (
    BundleCreateSerializer,
    BundleSerializer,
    DistributionCreateSerializer,
    DistributionSerializer,
)
from ..services import bundles as bundle_services
from ..services import distributions as services


class DistributionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Bulk distributions of a kit to many facilities; national administrators only.

    POST answers 202 at once: a Celery task allocates in chunks, and GET shows its progress.
    """

    queryset = Distribution.objects.select_related("province").order_by("-created_at", "-id")
    serializer_class = DistributionSerializer
    permission_classes = [IsNationalAdmin]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends = []

    def get_queryset(self):
        # The frozen target list can hold many thousand ids: never read it to answer.
        return super().get_queryset().defer("targets")

    @extend_schema(
        request=DistributionCreateSerializer,
        responses={
            202: DistributionSerializer,
            400: OpenApiResponse(description="No or unknown targets, bad list file"),
            409: OpenApiResponse(description="Not enough stock (nothing was saved)"),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = DistributionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("file")
        distribution = services.start_distribution(
            by=request.user,
            kit=data["kit"],
            quantity_per_facility=data["quantity_per_facility"],
            campaign=data.get("campaign"),
            province=data.get("province"),
            kind=data.get("kind", ""),
            facility_ids=data.get("facilities", ()),
            facility_labels=services.read_facility_list(upload) if upload else (),
            allow_partial=data["allow_partial"],
        )
        distribution = self.get_queryset().get(pk=distribution.pk)
        return Response(
            self.get_serializer(distribution).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"{request.path}{distribution.pk}/"},
        )


class BundleViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Offline bundles of digital resources: public ones for everyone, member-only ones for
    facility staff; built ones only (administrators also see those still building)."""

    serializer_class = BundleSerializer
    filter_backends = []

    def get_permissions(self):
        if self.action == "create":
            return [IsNationalAdmin()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        bundles = ResourceBundle.objects.visible_to(self.request.user)
        # Administrators also follow the bundles still building; a download needs a ZIP.
        if self.action == "download" or not get_scope(self.request.user).is_admin:
            bundles = bundles.built()
        return bundles.prefetch_related(
            Prefetch("resources", queryset=DigitalResource.objects.only("id"))
        ).order_by("-created_at", "-id")

    @extend_schema(request=BundleCreateSerializer, responses={201: BundleSerializer})
    def create(self, request, *args, **kwargs):
        serializer = BundleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        bundle = bundle_services.create_bundle(by=request.user, **serializer.validated_data)
        bundle = self.get_queryset().get(pk=bundle.pk)
        return Response(self.get_serializer(bundle).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            302: OpenApiResponse(description="Redirect to a short-lived URL of the ZIP"),
            200: OpenApiResponse(OpenApiTypes.BINARY, description="The ZIP (local storage)"),
            401: OpenApiResponse(description="Member-only bundle, no credentials"),
            404: OpenApiResponse(description="Unknown, not built or not visible"),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """Record a download (channel `bundle`) and answer with the ZIP."""
        bundle = ResourceBundle.objects.downloadable_by(request.user).filter(pk=pk).first()
        if bundle is None:
            if bundle_services.bundle_needs_sign_in(request.user, pk):
                raise exceptions.NotAuthenticated()
            raise exceptions.NotFound()
        bundle_services.track_bundle_download(
            bundle_id=bundle.pk, user=request.user, remote_addr=request.META.get("REMOTE_ADDR")
        )
        return bundle_services.bundle_file_response(bundle)


def register(router):
    """Register the distributions viewsets."""
    router.register("distributions", DistributionViewSet, basename="distribution")
    router.register("bundles", BundleViewSet, basename="bundle")
