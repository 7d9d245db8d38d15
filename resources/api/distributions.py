"""REST endpoints of bulk distributions (administrators)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from config.parsers import JSONParser
from config.permissions import IsNationalAdmin

from ..models import Distribution
from ..serializers.distributions import DistributionCreateSerializer, DistributionSerializer
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


def register(router):
    """Register the distributions viewsets."""
    router.register("distributions", DistributionViewSet, basename="distribution")
