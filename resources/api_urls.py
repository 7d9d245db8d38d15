from django.urls import path

from .api.exhibits import ScheduleFeedView
from .api.repairs import HandOverView

urlpatterns = [
    path(
        "exhibition-sets/<int:pk>/schedule.ics",
        ScheduleFeedView.as_view(),
        name="exhibition-set-schedule",
    ),
    path("tour-stops/<int:pk>/handover/", HandOverView.as_view(), name="tour-stop-handover"),
]
