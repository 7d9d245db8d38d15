"""REST endpoints of the digital-resource catalogue, uploads and tracked downloads.

A catalogue page whose count is cached costs one query and never aggregates the whole
catalogue:

- the page itself, as `.values()` rows (serializers/digital.py: catalogue_rows), carries the
  table's "stamp" in two more columns: scalar subqueries for MAX(updated_at) and MAX(id) (two
  index probes), which PostgreSQL and SQLite evaluate once per statement. Only an empty page
  (or `page=last`, which needs the count first) reads the stamp in a query of its own;
- only when the count cached for this filter set does not match that stamp, a second query
  reads the stamp again with COUNT(*) of the filtered rows.

Last-Modified is the table's MAX(updated_at): every save (auto_now), withdrawal included,
moves it. The weak ETag hashes the page's own rows (every listed column), the count and the
query, so it changes whenever the answer's content does, download counts included. The count
is cached per filter set (CACHES, Redis in production: one round trip per page, together with
the counter below), shared by every process so that a new stamp costs one COUNT, not one per
worker, under the stamp plus a counter that deletions bump (signals); a deletion moves neither
MAX, so the counter has to be read from the shared cache on every page. An entry lives
COUNT_TTL seconds at most, which bounds how long a count can lag behind a write that escaped
both (a raw SQL delete, or a transaction that commits an older updated_at after a newer one).
"""

import copy
import hashlib
import pickle

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Field
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.conditional import conditional_answer
from config.errors import BadRequest
from config.files import FileTooLarge
from config.pagination import StandardPagination
from config.parsers import JSONParser
from config.permissions import IsNationalAdmin
from config.renderers import FastJSONRenderer
from facilities.roles import get_scope

from ..filters.digital import CatalogueFilterBackend, DigitalResourceFilter
from ..models import DigitalResource, ResourceStatus
from ..serializers.digital import (
    VALUE_COLUMNS,
    DigitalResourceSerializer,
    DigitalResourceUpdateSerializer,
    DigitalResourceUploadSerializer,
    catalogue_rows,
)
from ..services import digital as services

NOT_MODIFIED = OpenApiResponse(description="Not modified since the ETag or date you sent")
NOT_FOUND = OpenApiResponse(description="Unknown, withdrawn (downloads) or not visible to you")
# Multipart framing and small fields around the file and the optional cover.
UPLOAD_OVERHEAD = 64 * 1024
# How long a cached catalogue count may be reused (see the module docstring).
COUNT_TTL = 60
# Query parameters that do not change which rows are counted.
NOT_COUNTED = {"page", "page_size", "ordering", "format_suffix"}
# Pages beyond this offset are not fetched before the count: the paginator answers them 404.
LARGEST_OFFSET = 2**31


def _refuse_oversized(request):
    """Refuse before reading (and spooling to disk) an upload that cannot fit."""
    limit = settings.RESOURCE_MAX_UPLOAD_SIZE + settings.PHOTO_MAX_UPLOAD_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + UPLOAD_OVERHEAD:
        raise FileTooLarge(_("The upload is too large."))


def _as_field_error(exc, default_field):
    """A service's BadRequest as DRF's field error, on the field it names."""
    return exceptions.ValidationError({getattr(exc, "field", default_field): [str(exc.message)]})


class SignedInRateThrottle(UserRateThrottle):
    """The "user" rate for signed-in clients only. Anonymous downloads are limited by the
    "anon" rate alone, which is the lower one (checked), so the download skips the second
    pair of cache round trips DRF's UserRateThrottle spends on the same anonymous client."""

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated and _anon_rate_is_lower(self):
            return None
        return super().get_cache_key(request, view)


def _anon_rate_is_lower(throttle):
    anon = AnonRateThrottle()
    return anon.num_requests / anon.duration <= throttle.num_requests / throttle.duration


class CatalogueNegotiation(DefaultContentNegotiation):
    """`?format=` filters the catalogue by resource format (API.md), so it must not pick a
    renderer as DRF's URL_FORMAT_OVERRIDE would."""

    class settings:  # noqa: N801 - stands in for api_settings
        URL_FORMAT_OVERRIDE = None


class CatalogueRows:
    """The listed rows as the paginator sees them: the count known already, and the slice of
    the page asked for fetched already (with the stamp) when it was."""

    def __init__(self, rows, *, total, offset=None, fetched=None):
        self.rows, self.total, self.offset, self.fetched = rows, total, offset, fetched

    def count(self):
        return self.total

    def __getitem__(self, index):
        if self.fetched is not None and index.start == self.offset:
            return self.fetched[: index.stop - index.start]
        return self.rows[index]


def _requested_slice(pagination, request):
    """(offset, size) of the page asked for; None when the count must come first: `page=last`,
    not a page number (the paginator's 404), or an offset no database would take."""
    size = pagination.get_page_size(request)
    try:
        number = int(request.query_params.get(pagination.page_query_param) or 1)
    except ValueError:
        return None
    offset = (number - 1) * size
    if not size or number < 1 or offset > LARGEST_OFFSET:
        return None
    return offset, size


def _stamped_page(rows, offset, size):
    """(the rows of one page, the table's (MAX(updated_at), MAX(id)) or None for no rows), in
    one statement."""
    table = connection.ops.quote_name(DigitalResource._meta.db_table)
    # Untyped columns: a typed one would run Django's converters on every row; only the
    # first row's stamp is read, and converted.
    fetched = list(
        rows.annotate(
            stamp_last=RawSQL(f"SELECT MAX(updated_at) FROM {table}", (), Field()),
            stamp_top=RawSQL(f"SELECT MAX(id) FROM {table}", (), Field()),
        )[offset : offset + size]
    )
    if not fetched:
        return fetched, None
    stamp = _as_updated_at(fetched[0]["stamp_last"]), fetched[0]["stamp_top"]
    for row in fetched:
        del row["stamp_last"], row["stamp_top"]
    return fetched, stamp


def _member_flag(user):
    return "m" if get_scope(user).is_member else "p"


def _etag(*parts):
    """A weak ETag of the values: pickled, not formatted (repr of a page of datetimes and
    texts cost a tenth of the page). Equal values may at worst pickle apart (a 200 where a 304
    would do); different ones never pickle alike."""
    digest = hashlib.sha256(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL))
    return 'W/"' + digest.hexdigest()[:32] + '"'


def _as_updated_at(value):
    """A raw updated_at value as the ORM would give it: SQLite answers a string, PostgreSQL a
    datetime; the field's converters make both an aware datetime."""
    field = DigitalResource._meta.get_field("updated_at")
    column = field.get_col(DigitalResource._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
        value = converter(value, column, connection)
    return value


def _stamp_and_count(queryset, member, query, stamp=None):
    """(MAX(updated_at) of the table, COUNT of `queryset`), the count from the cache if current.

    `stamp` is the table's (MAX(updated_at), MAX(id)) when the page query read it already;
    else one query reads it alone. The COUNT runs (together with the stamp) only when no
    count is cached or it is not for this stamp; the answer's date is `stamp`'s when given,
    the stamp of the page's rows.
    """
    counted = [(name, values) for name, values in query if name not in NOT_COUNTED]
    key = (
        "resources:catalogue:count:" + hashlib.sha256(repr((member, counted)).encode()).hexdigest()
    )
    cached = cache.get_many([key, services.CATALOGUE_DELETIONS_KEY])
    deletions = cached.get(services.CATALOGUE_DELETIONS_KEY)
    entry = cached.get(key)
    table = connection.ops.quote_name(DigitalResource._meta.db_table)
    stamp_query = f"SELECT MAX(updated_at) AS last, MAX(id) AS top FROM {table}"
    with connection.cursor() as cursor:
        if entry is not None and entry[0][2] == deletions:
            if stamp is None:
                cursor.execute(stamp_query)
                last, top = cursor.fetchone()
                stamp = _as_updated_at(last), top
            if stamp == entry[0][:2]:
                return stamp[0], entry[1]
        inner, params = queryset.order_by().values("id").query.sql_with_params()
        cursor.execute(
            "SELECT stamp.last, stamp.top, "
            f"(SELECT COUNT(*) FROM ({inner}) AS listed) FROM ({stamp_query}) AS stamp",
            params,
        )
        last, top, total = cursor.fetchone()
    last = _as_updated_at(last)
    cache.set(key, ((last, top, deletions), total), COUNT_TTL)
    return (stamp[0] if stamp else last), total


class DigitalResourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The catalogue: public resources for everyone, member-only ones for facility staff,
    coordinators and administrators. Sync clients use `status=all` and `updated_since`."""

    serializer_class = DigitalResourceSerializer
    filterset_class = DigitalResourceFilter
    filter_backends = [CatalogueFilterBackend]
    throttle_classes = [AnonRateThrottle, SignedInRateThrottle]
    pagination_class = StandardPagination
    # Token first, so that a missing credential is a 401 with WWW-Authenticate: Token.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    content_negotiation_class = CatalogueNegotiation
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]

    def get_permissions(self):
        if self.action == "create":
            return [
                permissions.IsAuthenticated(),
                IsNationalAdmin(
                    gettext_lazy("Only national administrators publish digital resources.")
                ),
            ]
        if self.action == "partial_update":
            # The administrator check comes after the lookup: invisible resources are a 404.
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        return DigitalResource.objects.visible_to(self.request.user).select_related("category")

    @extend_schema(
        responses={
            200: DigitalResourceSerializer(many=True),
            304: NOT_MODIFIED,
            400: OpenApiResponse(description="A filter value is not valid"),
            404: OpenApiResponse(description="No such page"),
        },
        description="The catalogue. Answers ETag and Last-Modified; If-None-Match or "
        "If-Modified-Since give 304 when nothing changed.",
    )
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        member = _member_flag(request.user)
        query = sorted(request.query_params.lists())
        rows = queryset.values(*VALUE_COLUMNS)
        requested = _requested_slice(self.paginator, request)
        offset, fetched, stamp = None, None, None
        if requested is not None:
            offset = requested[0]
            fetched, stamp = _stamped_page(rows, *requested)
        last, total = _stamp_and_count(queryset, member, query, stamp)
        page = self.paginate_queryset(
            CatalogueRows(rows, total=total, offset=offset, fetched=fetched)
        )
        etag = _etag(
            "list",
            member,
            request.get_host(),
            query,
            total,
            [tuple(row.values()) for row in page],
        )
        return conditional_answer(
            request,
            etag=etag,
            last_modified=last,
            build=lambda: self.get_paginated_response(catalogue_rows(page, request)),
        )

    @extend_schema(
        responses={200: DigitalResourceSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND},
    )
    def retrieve(self, request, *args, **kwargs):
        # Withdrawn resources stay readable here (status "withdrawn"); only downloads stop.
        resource = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        etag = _etag(
            "detail",
            _member_flag(request.user),
            request.get_host(),
            resource.pk,
            resource.updated_at.isoformat(),
            resource.download_count,
        )
        return conditional_answer(
            request,
            etag=etag,
            last_modified=resource.updated_at,
            build=lambda: Response(self.get_serializer(resource).data),
        )

    @extend_schema(
        request={"multipart/form-data": DigitalResourceUploadSerializer},
        responses={
            201: DigitalResourceSerializer,
            400: OpenApiResponse(description="Field errors, e.g. a file that is not its format"),
            401: OpenApiResponse(description="Not signed in"),
            403: OpenApiResponse(description="Not a national administrator"),
            413: OpenApiResponse(description="File larger than RESOURCE_MAX_UPLOAD_SIZE"),
            415: OpenApiResponse(description="Not a multipart upload"),
        },
    )
    def create(self, request, *args, **kwargs):
        _refuse_oversized(request)
        upload = DigitalResourceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            resource = services.publish_resource(
                by=request.user,
                file=data["file"],
                title=data["title"],
                description=data.get("description", ""),
                resource_format=data["format"],
                category=data.get("category"),
                campaign=data.get("campaign"),
                access=data.get("access"),
                cover=data.get("cover"),
            )
        except FileTooLarge:
            raise
        except BadRequest as exc:
            raise _as_field_error(exc, "file") from exc
        resource = self.get_queryset().get(pk=resource.pk)
        return Response(self.get_serializer(resource).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": DigitalResourceUpdateSerializer,
            "multipart/form-data": DigitalResourceUpdateSerializer,
        },
        responses={
            200: DigitalResourceSerializer,
            400: OpenApiResponse(description="Field errors, e.g. a file that is not its format"),
            401: OpenApiResponse(description="Not signed in"),
            403: OpenApiResponse(description="Not a national administrator"),
            404: NOT_FOUND,
            413: OpenApiResponse(description="File larger than RESOURCE_MAX_UPLOAD_SIZE"),
        },
        description="Change a resource (administrators): the fields sent change; `status` "
        "`withdrawn` withdraws it, `published` publishes it again; a new `file` (multipart) "
        "replaces the file and its checksum.",
    )
    def partial_update(self, request, *args, **kwargs):
        resource = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if not get_scope(request.user).is_admin:
            raise exceptions.PermissionDenied(
                _("Only national administrators change digital resources.")
            )
        _refuse_oversized(request)
        incoming = DigitalResourceUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        new_status = changes.pop("status", None)
        file = changes.pop("file", None)
        resource_format = changes.pop("format", None)
        try:
            with transaction.atomic():
                if changes or file is not None or resource_format:
                    services.update_resource(
                        resource=resource,
                        by=request.user,
                        file=file,
                        resource_format=resource_format,
                        **changes,
                    )
                if new_status and new_status != resource.status:
                    change_status = (
                        services.withdraw_resource
                        if new_status == ResourceStatus.WITHDRAWN
                        else services.republish_resource
                    )
                    change_status(resource=resource, by=request.user)
        except FileTooLarge:
            raise
        except BadRequest as exc:
            raise _as_field_error(exc, "file") from exc
        resource = self.get_queryset().get(pk=resource.pk)
        return Response(self.get_serializer(resource).data)


# The download is a plain Django view (views/digital.py: api_download, routed in resources/urls.py),
# so drf-spectacular does not see it; its operation is added to the schema here.
DOWNLOAD_PATH = "/api/v1/digital-resources/{id}/download/"
DOWNLOAD_OPERATION = {
    "operationId": "v1_digital_resources_download_retrieve",
    "description": "Record a download (channel `api`) and answer 302 to a short-lived URL of "
    "the file. Public resources: anyone; member-only ones: a token or session of facility "
    "staff, coordinators and administrators.",
    "parameters": [
        {
            "in": "path",
            "name": "id",
            "schema": {"type": "string", "pattern": r"^\d+$"},
            "required": True,
        }
    ],
    "tags": ["v1"],
    "security": [{"tokenAuth": []}, {"cookieAuth": []}, {}],
    "responses": {
        "302": {"description": "Redirect to a short-lived URL of the file"},
        "200": {
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The file itself (local storage)",
        },
        "401": {"description": "Member-only resource without credentials, or a bad token"},
        "404": {"description": "Unknown, withdrawn or not visible to you"},
    },
}


def document_download(result, generator, request, public):
    """drf-spectacular postprocessing hook: the download operation (see DOWNLOAD_OPERATION)."""
    result.setdefault("paths", {})[DOWNLOAD_PATH] = {"get": copy.deepcopy(DOWNLOAD_OPERATION)}
    return result


def register(router):
    router.register("digital-resources", DigitalResourceViewSet, basename="digital-resource")
