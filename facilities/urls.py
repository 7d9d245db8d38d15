from django.urls import path

from . import views
from .api import MeView, RegisterView, TokenView

urlpatterns = [
    path("facilities/register/", views.facility_register, name="facility-register"),
    path("facilities/mine/", views.facility_mine, name="facility-mine"),
    path("facilities/review/", views.facility_review, name="facility-review"),
    path(
        "facilities/review/export.<str:file_format>",
        views.facility_export,
        name="facility-export",
    ),
    path("facilities/join/<str:token>/", views.facility_join, name="facility-join"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility-detail"),
    path("facilities/<int:pk>/edit/", views.facility_edit, name="facility-edit"),
    path("facilities/<int:pk>/staff/", views.staff_add, name="facility-staff-add"),
    path(
        "facilities/<int:pk>/staff/<int:membership_pk>/remove/",
        views.staff_remove,
        name="facility-staff-remove",
    ),
    path(
        "facilities/<int:pk>/decide/<str:decision>/",
        views.facility_decide,
        name="facility-decide",
    ),
]

# API paths that are not viewset routes, mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("auth/register/", RegisterView.as_view(), name="api-register"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/me/", MeView.as_view(), name="api-me"),
]
