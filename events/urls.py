from django.urls import path

from . import views
from .api import FieldSummaryView

app_name = "events"

urlpatterns = [
    path("activities/", views.feed, name="feed"),
    path("campaigns/<slug:slug>/activities/", views.feed, name="campaign_feed"),
    path("activities/<int:pk>/", views.detail, name="detail"),
    path("activities/mine/", views.mine, name="mine"),
    path("activities/report/", views.report, name="report"),
    path("activities/review/", views.review_queue, name="review"),
    path("activities/<int:pk>/edit/", views.edit, name="edit"),
    path("activities/<int:pk>/photos/", views.add_photo, name="add_photo"),
    path("activities/photos/<int:pk>/delete/", views.remove_photo, name="remove_photo"),
    path("activities/<int:pk>/verify/", views.verify, name="verify"),
    path("activities/<int:pk>/reject/", views.reject, name="reject"),
    path("field/", views.field_now, name="field-now"),
    path("field/stops/<int:pk>/", views.stop_detail, name="stop"),
    path("field/stops/<int:pk>/attendance/", views.stop_attendance, name="stop-attendance"),
    path("field/sets/<int:set_pk>/plan-stop/", views.plan_stop, name="plan-stop"),
    path("field/trips/", views.my_trips, name="trips"),
    path("field/trips/plan/", views.plan_trip, name="trip-plan"),
    path("field/trips/review/", views.trip_review, name="trip-review"),
    path("field/trips/<int:pk>/", views.trip_detail, name="trip"),
    path("field/trips/<int:pk>/report/", views.report_trip, name="trip-report"),
]
urlpatterns += [
    path(
        f"field/stops/<int:pk>/{action}/",
        views.stop_action,
        {"action": action},
        name=f"stop-{action}",
    )
    for action in views.STOP_ACTIONS
]
urlpatterns += [
    path(
        f"field/trips/<int:pk>/{action}/",
        views.trip_action,
        {"action": action},
        name=f"trip-{action}",
    )
    for action in views.TRIP_ACTIONS
]

# API paths that are not viewset routes, mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path(
        "facilities/<int:pk>/field-summary/",
        FieldSummaryView.as_view(),
        name="facility-field-summary",
    ),
]
