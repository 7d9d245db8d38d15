from django.urls import path

from .api.exhibits import ScheduleFeedView

urlpatterns = [
    path(
        "exhibition-sets/<int:pk>/schedule.ics",
        ScheduleFeedView.as_view(),
        name="exhibition-set-schedule",
    ),
]
