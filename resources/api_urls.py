"""API paths of the resources app that are not viewset routes."""

from django.urls import path, re_path

from .api.exhibits import ScheduleFeedView
from .api.repairs import HandOverView
from .views.digital import api_download

urlpatterns = [
    # A plain view (see api_download); its OpenAPI entry comes from api/digital.py. Ids of up
    # to 18 digits, as the router's, so that an id always fits a bigint.
    re_path(
        r"^digital-resources/(?P<pk>[0-9]{1,18})/download/$",
        api_download,
        name="digital-resource-download",
    ),
    path(
        "exhibition-sets/<int:pk>/schedule.ics",
        ScheduleFeedView.as_view(),
        name="exhibition-set-schedule",
    ),
    path("tour-stops/<int:pk>/handover/", HandOverView.as_view(), name="tour-stop-handover"),
]
