from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api import build_router
from .views import healthz, home

# The administration carries the platform's name, in the reader's language.
admin.site.site_header = _("National Mobile Science Popularization Service Platform")
admin.site.site_title = _("Platform administration")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(build_router().urls)),
    path("api/v1/", include("config.api_urls")),
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

if not settings.AWS_STORAGE_BUCKET_NAME:
    # Embedded mode: Django serves uploaded media itself.
    # MEDIA_ROOT is read per request, so that a test that moves it is served from the new place.
    def serve_media(request, path):
        return serve(request, path, document_root=settings.MEDIA_ROOT)

    urlpatterns += [path("media/<path:path>", serve_media)]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
