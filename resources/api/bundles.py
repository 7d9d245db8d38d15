"""REST endpoints of offline bundles: the catalogue's ZIP packages and their tracked download."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from config.permissions import IsNationalAdmin
from facilities.roles import get_scope

from ..models import DigitalResource, ResourceBundle
from ..serializers.bundles import BundleCreateSerializer, BundleSerializer
from ..services import bundles as bundle_services


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
    """Register the bundle viewset."""
    router.register("bundles", BundleViewSet, basename="bundle")
