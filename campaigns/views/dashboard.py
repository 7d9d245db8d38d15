"""The statistics dashboard for administrators and coordinators, and its CSV/XLSX exports.

Figures, charts and exports all come from campaigns.stats, so they always agree. A
coordinator sees only the provinces they coordinate: the province filter offers nothing else.
"""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from events.models import ActivityKind
from facilities.models import Region
from facilities.roles import get_scope
from resources.models import KitRequestStatus, RepairCause, RepairSeverity

from .. import exports
from ..charts import bar_chart, line_chart
from ..exports import PROVINCE_COLUMNS, SUMMARY_FIGURES
from ..forms import DashboardFilterForm
from ..models import Campaign, CampaignStatus
from ..stats import get_campaign_stats

DASHBOARD_EXTRAS = {
    "repair_tickets_open",
    "stops_open",
    "stops_held",
    "stop_audience",
    "trips_reported",
    "trip_distance_km",
    "flags_awarded",
    "kits_units_shipped",
    "units_received",
    "shipments_overdue",
    "discrepancies_open",
    "digital_resources_published",
    "activities_verified",
}


def _dashboard_state(request):
    """The filter form, the campaign it selects (None when there is none) and the filter.

    Only administrators and coordinators get here; a coordinator's filter never reaches
    beyond their provinces, whatever the query string says.
    """
    scope = get_scope(request.user)
    if not scope.is_reviewer:
        raise PermissionDenied
    campaigns = list(Campaign.objects.visible_to(request.user).order_by("-starts_on", "-id"))
    provinces = Region.objects.provinces().reviewed_by(request.user).order_by("code")
    form = DashboardFilterForm(
        request.GET,
        campaigns=campaigns,
        provinces=list(provinces.values_list("code", "name")),
        scope=scope,
    )
    default = next((c for c in campaigns if c.status == CampaignStatus.ACTIVE), None) or next(
        iter(campaigns), None
    )
    campaign = form.selected_campaign(default)
    filters = form.to_filter() if form.is_valid() else form.fallback_filter()
    return form, campaign, filters


@login_required
def dashboard(request):
    form, campaign, filters = _dashboard_state(request)
    context = {"form": form, "campaign": campaign}
    if campaign is not None:
        stats = get_campaign_stats(campaign=campaign, filters=filters)
        context.update(
            stats=stats,
            generated_at=datetime.fromisoformat(stats["generated_at"]),
            # The headline figures are shown above these by campaigns/_figures.html.
            summary=[
                (label, stats[key]) for key, label in SUMMARY_FIGURES if key in DASHBOARD_EXTRAS
            ],
            charts=_charts(stats),
            province_columns=[label for _key, label in PROVINCE_COLUMNS[1:]],
            province_rows=[
                [row[key] for key, _label in PROVINCE_COLUMNS[1:]] for row in stats["by_province"]
            ],
            allotment_rows=_allotment_rows(stats["allotments_by_province"]),
        )
    return render(request, "campaigns/dashboard.html", context)


def _allotment_rows(allotments):
    """The provinces' allotments with what is left and the share used (whole per cent)."""
    return [
        {
            **row,
            "left": row["quantity"] - row["used"],
            "percent": round(100 * row["used"] / row["quantity"]) if row["quantity"] else 0,
        }
        for row in allotments
    ]


def _charts(stats):
    provinces = [
        row
        for row in stats["by_province"]
        if row["province"]
        and (row["facilities_participating"] or row["grassroots_facilities_reached"])
    ]
    status_labels = dict(KitRequestStatus.choices)
    kind_labels = dict(ActivityKind.choices)
    return [*_main_charts(stats, provinces, status_labels, kind_labels), *_repair_charts(stats)]


def _repair_charts(stats):
    severity_labels = dict(RepairSeverity.choices)
    cause_labels = dict(RepairCause.choices)
    return [
        bar_chart(
            chart_id="chart-repairs-by-severity",
            title=_("Open repair tickets by severity"),
            description=_("Tickets of the campaign's exhibition sets still being worked on."),
            label_header=_("Severity"),
            series=[(_("Tickets"), "series-a")],
            rows=[
                (severity_labels.get(key, key), [count])
                for key, count in stats["repair_tickets_by_severity"].items()
            ],
        ),
        bar_chart(
            chart_id="chart-repairs-by-cause",
            title=_("Open repair tickets by cause"),
            description=_("Tickets still being worked on, by the cause of the fault."),
            label_header=_("Cause"),
            series=[(_("Tickets"), "series-b")],
            rows=[
                (cause_labels.get(key, key), [count])
                for key, count in stats["repair_tickets_by_cause"].items()
            ],
        ),
        bar_chart(
            chart_id="chart-faults-by-model",
            title=_("Faults per exhibit model"),
            description=_("Repair tickets ever opened per exhibit design, the ten most first."),
            label_header=_("Exhibit model"),
            series=[(_("Tickets"), "series-a")],
            rows=[(row["model"], [row["count"]]) for row in stats["repair_faults_by_model"]],
        ),
    ]


def _main_charts(stats, provinces, status_labels, kind_labels):
    return [
        bar_chart(
            chart_id="chart-provinces",
            title=_("Participation and coverage by province"),
            description=_(
                "Participating units and grassroots facilities reached, per province, "
                "largest first."
            ),
            label_header=_("Province"),
            series=[
                (_("Participating units"), "series-a"),
                (_("Grassroots facilities reached"), "series-b"),
            ],
            rows=[
                (
                    row["name"],
                    [row["facilities_participating"], row["grassroots_facilities_reached"]],
                )
                for row in provinces
            ],
        ),
        line_chart(
            chart_id="chart-downloads-by-day",
            title=_("Downloads by day"),
            description=_("Downloads of the campaign's digital resources per day."),
            label_header=_("Date"),
            value_header=_("Downloads"),
            points=[(item["date"], item["count"]) for item in stats["downloads_by_day"]],
        ),
        bar_chart(
            chart_id="chart-downloads-by-province",
            title=_("Downloads by province"),
            description=_("Downloads per province of the downloading facility, largest first."),
            label_header=_("Province"),
            series=[(_("Downloads"), "series-a")],
            rows=[(row["name"], [row["count"]]) for row in stats["downloads_by_province"]],
        ),
        bar_chart(
            chart_id="chart-requests-by-status",
            title=_("Kit requests by status"),
            description=_("Requests for the campaign's kits, by their current status."),
            label_header=_("Status"),
            series=[(_("Requests"), "series-a")],
            rows=[
                (status_labels.get(status, status), [count])
                for status, count in stats["kit_requests"].items()
            ],
        ),
        bar_chart(
            chart_id="chart-top-resources",
            title=_("Most downloaded resources"),
            description=_("The ten digital resources downloaded most often."),
            label_header=_("Resource"),
            series=[(_("Downloads"), "series-b")],
            rows=[(item["title"], [item["count"]]) for item in stats["top_resources"]],
        ),
        bar_chart(
            chart_id="chart-activities-by-kind",
            title=_("Activities by kind"),
            description=_("Reported and verified activities, by kind."),
            label_header=_("Kind"),
            series=[(_("Activities"), "series-a")],
            rows=[
                (kind_labels.get(kind, kind), [count])
                for kind, count in stats["activities_by_kind"].items()
            ],
        ),
    ]


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


def _export_state(request):
    """The campaign and filter to export, or (None, None) when the filter is not valid."""
    form, campaign, filters = _dashboard_state(request)
    if campaign is None or not form.is_valid():
        return None, None
    return campaign, filters


@login_required
def export_csv(request):
    """The province table (default) or, with ?by=facility, the facility table, as CSV."""
    campaign, filters = _export_state(request)
    if campaign is None:
        return HttpResponseBadRequest(_("Choose a joint action and a valid filter."))
    by = request.GET.get("by", "province")
    if by not in exports.CSV_TABLES:
        return HttpResponseBadRequest(_("Export by province or by facility."))
    return _attachment(
        exports.coverage_csv(campaign, filters, by=by),
        CSV_CONTENT_TYPE,
        exports.coverage_filename(campaign, filters, f"-{by}.csv"),
    )


@login_required
def export_xlsx(request):
    """Every figure in one workbook: summary, provinces, facilities, days, resources, kinds."""
    campaign, filters = _export_state(request)
    if campaign is None:
        return HttpResponseBadRequest(_("Choose a joint action and a valid filter."))
    return _attachment(
        exports.coverage_xlsx(campaign, filters),
        XLSX_CONTENT_TYPE,
        exports.coverage_filename(campaign, filters, ".xlsx"),
    )


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
