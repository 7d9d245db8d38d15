from django.urls import path

from . import views

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
