from django.urls import path

from .api import FieldSummaryView

urlpatterns = [
    path(
        "facilities/<int:pk>/field-summary/",
        FieldSummaryView.as_view(),
        name="facility-field-summary",
    ),
]
