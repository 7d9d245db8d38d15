"""Pages of the digital-resource catalogue: search and filters, the resource page with its
preview, and the tracked download (channel `web`)."""

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from ..files import is_picture
from ..filters_digital import CatalogueFilter
from ..models import DownloadChannel
from ..serializers_digital import thumbnail_url
from ..services import digital as services

app_name = "digital"

PAGE_SIZE = 20
LIST_SIZE = 5
# Previews played or shown inline by the browser, by content-type prefix.
INLINE_PREVIEWS = ("image/", "video/", "audio/", "application/pdf")


def _resource_or_sign_in(request, pk, *columns):
    """The published resource the user may see, a sign-in redirect for member-only ones."""
    queryset = services.downloadable(request.user)
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
    visible = services.downloadable(request.user)
    resource_filter = CatalogueFilter(
        request.GET or None, queryset=visible.select_related("category", "campaign")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "resources/digital/catalogue.html",
        {
            "filter": resource_filter,
            "page_obj": Paginator(resource_filter.qs, PAGE_SIZE).get_page(request.GET.get("page")),
            "querystring": params.urlencode(),
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


def download(request, pk):
    """Record the download and answer with the file (redirect to storage, or streamed)."""
    resource, sign_in = _resource_or_sign_in(
        request, pk, "id", "file", "original_filename", "content_type"
    )
    if sign_in:
        return sign_in
    services.track_download(
        resource_id=resource.pk,
        user=request.user,
        channel=DownloadChannel.WEB,
        remote_addr=request.META.get("REMOTE_ADDR"),
        method=request.method,
    )
    return services.file_response(resource)


def view_file(request, pk):
    """The file shown inline for the preview players; not counted as a download."""
    resource, sign_in = _resource_or_sign_in(
        request, pk, "id", "file", "original_filename", "content_type"
    )
    if sign_in:
        return sign_in
    inline = (resource.content_type or "").startswith(INLINE_PREVIEWS)
    return services.file_response(resource, inline=inline)


urlpatterns = [
    path("resources/", catalogue, name="catalogue"),
    path("resources/<int:pk>/", resource_detail, name="detail"),
    path("resources/<int:pk>/download/", download, name="download"),
    path("resources/<int:pk>/file/", view_file, name="file"),
]
