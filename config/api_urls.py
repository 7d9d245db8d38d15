"""API paths that are not viewset routes (auth, stats); each app adds its own here."""

from django.urls import include, path

urlpatterns = [
    path("", include("facilities.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("resources.api_urls")),
    path("", include("events.api_urls")),
]
