from django.urls import include, path

from .api.assessment import AssessmentView
from .api.coverage import CampaignCoverageView, CampaignImpactView, SuggestedStopsView
from .api.stats import CampaignStatsView

urlpatterns = [
    path("", include("campaigns.views.campaigns")),
    path("", include("campaigns.views.dashboard")),
    path("", include("campaigns.views.coverage")),
    path("", include("campaigns.views.assessment")),
]

# API paths that are not viewset routes, mounted under /api/v1/ by config/urls.py.
api_urlpatterns = [
    path("campaigns/<slug:slug>/stats/", CampaignStatsView.as_view(), name="campaign-stats"),
    path(
        "campaigns/<slug:slug>/coverage/",
        CampaignCoverageView.as_view(),
        name="campaign-coverage",
    ),
    path("campaigns/<slug:slug>/impact/", CampaignImpactView.as_view(), name="campaign-impact"),
    path(
        "campaigns/<slug:slug>/suggested-stops/",
        SuggestedStopsView.as_view(),
        name="campaign-suggested-stops",
    ),
    path(
        "campaigns/<slug:slug>/assessment/",
        AssessmentView.as_view(),
        name="campaign-assessment",
    ),
]
