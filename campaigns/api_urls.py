from django.urls import path

from .api.assessment import AssessmentView
from .api.stats import CampaignStatsView

urlpatterns = [
    path("campaigns/<slug:slug>/stats/", CampaignStatsView.as_view(), name="campaign-stats"),
    path(
        "campaigns/<slug:slug>/assessment/",
        AssessmentView.as_view(),
        name="campaign-assessment",
    ),
]
