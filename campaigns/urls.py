from django.urls import include, path

urlpatterns = [
    path("", include("campaigns.views.campaigns")),
    path("", include("campaigns.views.dashboard")),
    path("", include("campaigns.views.coverage")),
    path("", include("campaigns.views.assessment")),
]
