"""URL patterns of the resources app: its pages, one namespace per domain, and the API paths
that are not viewset routes (those are registered by resources.api)."""

from django.urls import include, path, re_path

from .api import exhibits as api_exhibits
from .api import repairs as api_repairs
from .views import allotments, bundles, digital, distributions, exhibits, kits, repairs

kits_patterns = [
    path("kits/", kits.catalogue, name="catalogue"),
    path("kits/<int:pk>/", kits.kit_detail, name="kit-detail"),
    path("kits/requests/", kits.my_requests, name="my-requests"),
    path("kits/requests/<int:pk>/", kits.request_detail, name="request-detail"),
    path("kits/review/", kits.review_queue, name="review"),
] + [
    path(
        f"kits/requests/<int:pk>/{action}/",
        kits.request_action,
        {"action": action},
        name=f"request-{action}",
    )
    for action in kits.ACTIONS
]


allotments_patterns = [
    path("kits/<int:pk>/allotments/", allotments.kit_allotments, name="kit"),
    path("kits/<int:pk>/allotments/allot/", allotments.allot, name="allot"),
    path("kits/<int:pk>/allotments/move/", allotments.move, name="move"),
    path("kits/<int:pk>/allotments/<int:allotment_pk>/", allotments.change, name="change"),
    path("kits/allotments/", allotments.my_allotments, name="mine"),
    path("kits/discrepancies/", allotments.discrepancies, name="discrepancies"),
    path("kits/discrepancies/<int:pk>/resolve/", allotments.resolve, name="resolve"),
]


digital_patterns = [
    path("resources/", digital.catalogue, name="catalogue"),
    path("resources/<int:pk>/", digital.resource_detail, name="detail"),
    path("resources/<int:pk>/download/", digital.download, name="download"),
    path("resources/<int:pk>/file/", digital.view_file, name="file"),
]


distributions_patterns = [
    path("distributions/", distributions.distribution_list, name="list"),
    path("distributions/new/", distributions.distribution_start, name="start"),
    path("distributions/<int:pk>/", distributions.distribution_detail, name="detail"),
    path("distributions/<int:pk>/progress/", distributions.distribution_progress, name="progress"),
    path("distributions/<int:pk>/skipped.csv", distributions.skipped_csv, name="skipped-csv"),
    path("bundles/", bundles.bundle_list, name="bundle-list"),
    path("bundles/new/", bundles.bundle_create, name="bundle-create"),
    path("bundles/<int:pk>/download/", bundles.bundle_download, name="bundle-download"),
]


exhibits_patterns = [
    path("exhibition-sets/", exhibits.set_list, name="set-list"),
    path("exhibition-sets/<int:pk>/", exhibits.set_detail, name="public-set"),
    path("exhibition-sets/<int:pk>/exhibits/", exhibits.add_exhibit, name="add-exhibit"),
] + [
    path(
        f"exhibits/<int:pk>/{action}/",
        exhibits.missing_exhibit,
        {"action": action},
        name=f"missing-{action}",
    )
    for action in exhibits.MISSING_ACTIONS
]


repairs_patterns = [
    path("field/stops/<int:pk>/handover/<str:stage>/", repairs.handover, name="handover"),
    path("repairs/", repairs.queue, name="queue"),
    path("repairs/export.csv", repairs.export_csv, name="export-csv"),
    path("repairs/export.xlsx", repairs.export_xlsx, name="export-xlsx"),
    path("repairs/<int:pk>/", repairs.ticket_detail, name="ticket"),
    path("repairs/<int:pk>/photos/", repairs.ticket_photo, name="ticket-photo"),
    path("repairs/<int:pk>/<str:name>/", repairs.ticket_action, name="ticket-action"),
    path("exhibits/<int:exhibit_pk>/report-fault/", repairs.open_ticket, name="open-ticket"),
    path("exhibits/<int:pk>/history/", repairs.exhibit_history, name="exhibit-history"),
    path("known-faults/", repairs.knowledge_base, name="known-faults"),
]


urlpatterns = [
    path("", include((kits_patterns, "kits"))),
    path("", include((allotments_patterns, "allotments"))),
    path("", include((digital_patterns, "digital"))),
    path("", include((distributions_patterns, "distributions"))),
    path("", include((exhibits_patterns, "exhibits"))),
    path("", include((repairs_patterns, "repairs"))),
]

# Mounted under /api/v1/ by config/urls.py, before the router.
api_urlpatterns = [
    # A plain view (see api_download); its OpenAPI entry comes from api/digital.py. Ids of up
    # to 18 digits, as the router's, so that an id always fits a bigint.
    re_path(
        r"^digital-resources/(?P<pk>[0-9]{1,18})/download/$",
        digital.api_download,
        name="digital-resource-download",
    ),
    path(
        "exhibition-sets/<int:pk>/schedule.ics",
        api_exhibits.ScheduleFeedView.as_view(),
        name="exhibition-set-schedule",
    ),
    path(
        "tour-stops/<int:pk>/handover/",
        api_repairs.HandOverView.as_view(),
        name="tour-stop-handover",
    ),
]
