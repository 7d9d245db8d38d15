"""Pages of the digital-resource catalogue: search and filters, the resource page with its
preview, and the tracked download (channel `web`)."""

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rest_framework.exceptions import NotAuthenticated

from config.files import is_picture

from ..filters.digital import CatalogueFilter
from ..models import DigitalResource, DownloadChannel
from ..serializers.digital import thumbnail_url
from ..services import digital as services
from ..services import downloads

PAGE_SIZE = 20
LIST_SIZE = 5
# Previews played or shown inline by the browser, by content-type prefix.
INLINE_PREVIEWS = ("image/", "video/", "audio/", "application/pdf")


def _resource_or_sign_in(request, pk, *columns):
    """The published resource the user may see, a sign-in redirect for member-only ones."""
    queryset = DigitalResource.objects.downloadable_by(request.user)
    if columns:
        queryset = queryset.only(*columns)
    else:
        queryset = queryset.select_related("category", "campaign")
    resource = queryset.filter(pk=pk).first()
    if resource is not None:
        return resource, None
    if services.needs_sign_in(request.user, pk):
        return None, redirect_to_login(request.get_full_path())
    raise Http404


def catalogue(request):
    visible = DigitalResource.objects.downloadable_by(request.user)
    resource_filter = CatalogueFilter(
        request.GET or None, queryset=visible.select_related("category", "campaign")
    )
    return render(
        request,
        "resources/digital/catalogue.html",
        {
            "filter": resource_filter,
            "page_obj": Paginator(resource_filter.qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "searching": any(
                request.GET.get(key) for key in ("q", "campaign", "category", "format")
            ),
            "most_downloaded": visible.order_by("-download_count", "id")[:LIST_SIZE],
            "newest": visible.order_by("-published_at", "-id")[:LIST_SIZE],
        },
    )


def resource_detail(request, pk):
    resource, sign_in = _resource_or_sign_in(request, pk)
    if sign_in:
        return sign_in
    content_type = resource.content_type or ""
    if content_type.startswith("video/"):
        preview = "video"
    elif content_type.startswith("audio/"):
        preview = "audio"
    elif content_type == "application/pdf":
        preview = "pdf"
    elif is_picture(content_type):
        preview = "image"
    else:
        preview = ""
    return render(
        request,
        "resources/digital/detail.html",
        {
            "resource": resource,
            "preview": preview,
            "thumbnail": thumbnail_url(None, resource.thumbnail.name),
        },
    )


@require_safe
def download(request, pk):
    """Count the download (channel `web`) and answer with the file: redirect or stream."""
    decision = downloads.decide(pk, user=request.user)
    if decision.resource is not None and request.method == "GET":
        decision = downloads.count_download(decision, request=request, channel=DownloadChannel.WEB)
    if decision.resource is None:
        if decision.sign_in:
            return redirect_to_login(request.get_full_path())
        raise Http404
    return services.file_response(decision.resource)


def _token_key(request):
    """The key of an `Authorization: Token <key>` header: None without one, '' if malformed."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    parts = header.split()
    if parts[0].lower() != "token":
        return None  # another scheme: left to the session, as DRF does
    return parts[1] if len(parts) == 2 else ""


def _api_error(status, detail, headers=None):
    response = JsonResponse({"detail": str(detail)}, status=status, headers=headers)
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def api_download(request, pk):
    """GET /api/v1/digital-resources/{id}/download/: count (channel `api`), answer 302.

    A plain view, not DRF: the same access rules (public to anyone, member-only to a token or
    a session of facility staff, coordinators and administrators; 401 with WWW-Authenticate
    for an anonymous client or a bad token, 404 otherwise), the API's throttle rates, and
    DRF's error bodies, without its per-request machinery.
    """
    pk = int(pk)
    token_key = _token_key(request)
    if token_key == "":
        return _api_error(401, _("Invalid token header."), {"WWW-Authenticate": "Token"})
    user = request.user if token_key is None else None
    decision = downloads.decide(pk, token_key=token_key, user=user)
    if decision.resource is not None and request.method == "GET":
        try:
            decision = downloads.count_download(
                decision,
                request=request,
                channel=DownloadChannel.API,
                throttle=downloads.throttle_for(request, decision.holder),
            )
        except downloads.Throttled as throttled:
            return _api_error(
                429,
                _("Request was throttled. Expected available in %d seconds.") % throttled.wait,
                {"Retry-After": str(throttled.wait)},
            )
    if decision.bad_token:
        return _api_error(401, _("Invalid token."), {"WWW-Authenticate": "Token"})
    if decision.resource is None:
        if decision.sign_in:
            return _api_error(401, NotAuthenticated.default_detail, {"WWW-Authenticate": "Token"})
        return _api_error(404, _("Not found."))
    return services.file_response(decision.resource)


def view_file(request, pk):
    """The file shown inline for the preview players; not counted as a download."""
    resource, sign_in = _resource_or_sign_in(
        request, pk, "id", "file", "original_filename", "content_type"
    )
    if sign_in:
        return sign_in
    inline = (resource.content_type or "").startswith(INLINE_PREVIEWS)
    return services.file_response(resource, inline=inline)
