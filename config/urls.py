from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from campaigns import urls as campaigns_urls
from events import urls as events_urls
from facilities import urls as facilities_urls
from resources import urls as resources_urls

from .api import build_router
from .files import delivery
from .views import healthz, home

# The administration carries the platform's name, in the reader's language.
admin.site.site_header = _("National Mobile Science Popularization Service Platform")
admin.site.site_title = _("Platform administration")
admin.site.index_title = _("Administration")

urlpatterns = [
    # Downloads first: the hottest path resolves without trying every other pattern.
    path("api/v1/", include(resources_urls.api_urlpatterns)),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(build_router().urls)),
    path("api/v1/", include(facilities_urls.api_urlpatterns)),
    path("api/v1/", include(campaigns_urls.api_urlpatterns)),
    path("api/v1/", include(events_urls.api_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("facilities.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", home, name="home"),
    path("", include("facilities.urls")),
    path("", include("campaigns.urls")),
    path("", include("resources.urls")),
    path("", include("events.urls")),
]


def serve_media(request, path):
    """Embedded mode: Django serves uploaded media itself (nothing when they live on S3).

    Settings are read per request, so that a test that moves MEDIA_ROOT or switches to S3 is
    served accordingly whenever the URLconf was loaded.
    """
    if settings.AWS_STORAGE_BUCKET_NAME:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    # Like downloads: what could run script in the browser comes as a plain attachment.
    served = response.get("Content-Type", "").split(";")[0]
    content_type, as_attachment = delivery(served, inline=True)
    if as_attachment:
        response["Content-Type"] = content_type
        response["Content-Disposition"] = "attachment"
    return response


urlpatterns += [path("media/<path:path>", serve_media)]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
