from django.urls import path

from .api.assessment import AssessmentView
from .api.coverage import CampaignCoverageView, CampaignImpactView, SuggestedStopsView
from .api.stats import CampaignStatsView
from .views import assessment, campaigns, coverage, dashboard

urlpatterns = [
    # campaigns
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<slug:slug>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<slug:slug>/edit/", campaigns.campaign_edit, name="campaign-edit"),
    path("campaigns/<slug:slug>/apply/", campaigns.campaign_apply, name="campaign-apply"),
    path(
        "campaigns/<slug:slug>/participants/",
        campaigns.campaign_participants,
        name="campaign-participants",
    ),
    path(
        "campaigns/<slug:slug>/participants/export.<str:file_format>",
        campaigns.participants_export,
        name="campaign-participants-export",
    ),
    path(
        "participations/<int:pk>/<str:action>/",
        campaigns.participation_action,
        name="participation-action",
    ),
    # dashboard
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard.export_csv, name="dashboard-export-csv"),
    path("dashboard/export.xlsx", dashboard.export_xlsx, name="dashboard-export-xlsx"),
    # coverage
    path("campaigns/<slug:slug>/coverage/", coverage.coverage_map, name="campaign-coverage-map"),
    path(
        "campaigns/<slug:slug>/coverage/counties.csv",
        coverage.export_counties,
        {"file_format": "csv"},
        name="campaign-coverage-csv",
    ),
    path(
        "campaigns/<slug:slug>/coverage/counties.xlsx",
        coverage.export_counties,
        {"file_format": "xlsx"},
        name="campaign-coverage-xlsx",
    ),
    path(
        "campaigns/<slug:slug>/coverage/<str:code>/",
        coverage.coverage_map,
        name="campaign-coverage-region",
    ),
    # assessment
    path("reports/", assessment.report_list, name="monthly-reports"),
    path("reports/new/", assessment.report_create, name="monthly-report-create"),
    path("reports/<int:pk>/", assessment.report_detail, name="monthly-report"),
    path("reports/<int:pk>/summary/", assessment.report_summary, name="monthly-report-summary"),
    path("reports/<int:pk>/submit/", assessment.report_submit, name="monthly-report-submit"),
    path("reports/<int:pk>/approve/", assessment.report_approve, name="monthly-report-approve"),
    path("reports/<int:pk>/return/", assessment.report_return, name="monthly-report-return"),
    path(
        "campaigns/<slug:slug>/assessment/",
        assessment.assessment_page,
        name="campaign-assessment-page",
    ),
    path(
        "campaigns/<slug:slug>/assessment.xlsx",
        assessment.assessment_xlsx,
        name="campaign-assessment-xlsx",
    ),
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
