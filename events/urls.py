from django.urls import path

from . import views

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
]
