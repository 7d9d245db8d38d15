"""API paths that are not viewset routes (auth, stats); each app adds its own here.

The resources app's (the download) come first, in config/urls.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("facilities.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("events.api_urls")),
]
