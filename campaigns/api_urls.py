from django.urls import path

from .api.stats import CampaignStatsView

urlpatterns = [
    path("campaigns/<slug:slug>/stats/", CampaignStatsView.as_view(), name="campaign-stats"),
]
