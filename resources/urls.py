from django.urls import include, path

urlpatterns = [
    path("", include("resources.views.kits")),
    path("", include("resources.views.allotments")),
    path("", include("resources.views.digital")),
    path("", include("resources.views.distributions")),
    path("", include("resources.views.exhibits")),
    path("", include("resources.views.repairs")),
]
