"""The statistics dashboard for administrators and coordinators, and its CSV/XLSX exports.

Figures, charts and exports all come from campaigns.stats, so they always agree. A
coordinator sees only the provinces they coordinate: the province filter offers nothing else.
"""

import csv
import io
from datetime import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from events.models import ActivityKind
from facilities.models import FacilityKind, FacilityLevel, Region, RegionLevel
from facilities.roles import get_scope
from resources.models import KitRequestStatus, RepairCause, RepairSeverity

from ..charts import bar_chart, line_chart
from ..models import Campaign, CampaignStatus, ParticipationStatus
from ..stats import StatsFilter, StatsFilterForm, facility_figures, get_campaign_stats

PROVINCE_COLUMNS = [
    ("province", gettext_lazy("Province code")),
    ("name", gettext_lazy("Province")),
    ("facilities_participating", gettext_lazy("Participating units")),
    ("flags_awarded", gettext_lazy("Flags awarded")),
    ("kit_requests", gettext_lazy("Kit requests")),
    ("kits_units_shipped", gettext_lazy("Kit units shipped")),
    ("grassroots_facilities_reached", gettext_lazy("Grassroots facilities reached")),
    ("downloads", gettext_lazy("Downloads")),
    ("activities_reported", gettext_lazy("Activities reported")),
    ("audience_total", gettext_lazy("Audience (verified activities)")),
]

FACILITY_COLUMNS = [
    ("id", gettext_lazy("Facility id")),
    ("name", gettext_lazy("Facility")),
    ("kind", gettext_lazy("Kind")),
    ("level", gettext_lazy("Level")),
    ("province_id", gettext_lazy("Province code")),
    ("province__name", gettext_lazy("Province")),
    ("region_id", gettext_lazy("Region code")),
    ("region__name", gettext_lazy("Region")),
    ("participation_status", gettext_lazy("Participation")),
    ("flag_awarded_at", gettext_lazy("Flag awarded")),
    ("requests_made", gettext_lazy("Kit requests")),
    ("units_shipped", gettext_lazy("Kit units shipped")),
    ("units_received", gettext_lazy("Kit units received")),
    ("grassroots_reached", gettext_lazy("Grassroots facility reached")),
    ("activities_reported", gettext_lazy("Activities reported")),
    ("audience_total", gettext_lazy("Audience (verified activities)")),
]

SUMMARY_FIGURES = [
    ("grassroots_facilities_reached", gettext_lazy("Grassroots facilities reached")),
    ("facilities_participating", gettext_lazy("Participating units")),
    ("flags_awarded", gettext_lazy("Flags awarded")),
    ("kits_units_shipped", gettext_lazy("Kit units shipped")),
    ("digital_resources_published", gettext_lazy("Digital resources published")),
    ("downloads_total", gettext_lazy("Resource downloads")),
    ("activities_reported", gettext_lazy("Activities reported")),
    ("activities_verified", gettext_lazy("Activities verified")),
    ("audience_total", gettext_lazy("Total audience (verified activities)")),
    ("stops_open", gettext_lazy("Tour stops open now")),
    ("stops_held", gettext_lazy("Tour stops held")),
    ("stop_audience", gettext_lazy("Audience at stops")),
    ("trips_reported", gettext_lazy("Caravan trips")),
    ("trip_distance_km", gettext_lazy("Caravan kilometres")),
    ("repair_tickets_open", gettext_lazy("Repair tickets open")),
]
DASHBOARD_EXTRAS = {
    "repair_tickets_open",
    "stops_open",
    "stops_held",
    "stop_audience",
    "trips_reported",
    "trip_distance_km",
    "flags_awarded",
    "kits_units_shipped",
    "digital_resources_published",
    "activities_verified",
}


class DashboardFilterForm(StatsFilterForm):
    """Campaign, province (only the user's own for coordinators) and a date window."""

    campaign = forms.ChoiceField(label=gettext_lazy("Joint action"), required=False)
    province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    field_order = ["campaign", "province", "date_from", "date_to"]

    def __init__(self, data, *, campaigns, provinces, scope):
        super().__init__(data)
        self.campaigns = {campaign.slug: campaign for campaign in campaigns}
        self.fields["campaign"].choices = [(c.slug, c.title) for c in campaigns]
        self.scoped = not scope.is_admin
        self.allowed = tuple(code for code, _name in provinces)
        choices = list(provinces)
        if not (self.scoped and len(choices) == 1):
            everything = _("All my provinces") if self.scoped else _("All provinces")
            choices.insert(0, ("", everything))
        self.fields["province"].choices = choices

    def selected_provinces(self):
        province = self.cleaned_data.get("province")
        if province:
            return (province,)
        return self.allowed if self.scoped else ()

    def fallback_filter(self):
        """What to show when the submitted filter is not valid: everything the user may see."""
        return StatsFilter(provinces=self.allowed if self.scoped else ())

    def selected_campaign(self, default):
        if self.is_bound and self.is_valid():
            return self.campaigns.get(self.cleaned_data.get("campaign"), default)
        return self.campaigns.get(self.data.get("campaign"), default)


def _dashboard_state(request):
    """The filter form, the campaign it selects (None when there is none) and the filter.

    Only administrators and coordinators get here; a coordinator's filter never reaches
    beyond their provinces, whatever the query string says.
    """
    scope = get_scope(request.user)
    if not scope.is_reviewer:
        raise PermissionDenied
    campaigns = list(Campaign.objects.visible_to(request.user).order_by("-starts_on", "-id"))
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")
    if not scope.is_admin:
        provinces = provinces.filter(code__in=scope.province_codes)
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
    context = {"form": form, "campaign": campaign, "query": request.GET.urlencode()}
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
        )
    return render(request, "campaigns/dashboard.html", context)


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


def province_table(stats):
    """The by-province rows followed by a total row: the CSV/XLSX province sheet."""
    rows = [[row[key] for key, _label in PROVINCE_COLUMNS] for row in stats["by_province"]]
    total = {
        "province": "",
        "name": _("Total"),
        "facilities_participating": stats["facilities_participating"],
        "flags_awarded": stats["flags_awarded"],
        "kit_requests": sum(stats["kit_requests"].values()),
        "kits_units_shipped": stats["kits_units_shipped"],
        "grassroots_facilities_reached": stats["grassroots_facilities_reached"],
        "downloads": stats["downloads_total"],
        "activities_reported": stats["activities_reported"],
        "audience_total": stats["audience_total"],
    }
    rows.append([total[key] for key, _label in PROVINCE_COLUMNS])
    return [[str(label) for _key, label in PROVINCE_COLUMNS], *rows]


def facility_table(campaign, filters):
    kinds = dict(FacilityKind.choices)
    levels = dict(FacilityLevel.choices)
    statuses = dict(ParticipationStatus.choices)
    rows = []
    for row in facility_figures(campaign=campaign, filters=filters):
        row = dict(row)
        row["kind"] = str(kinds.get(row["kind"], row["kind"]))
        row["level"] = str(levels.get(row["level"], row["level"]))
        status = row["participation_status"]
        row["participation_status"] = str(statuses.get(status, status or ""))
        flag = row["flag_awarded_at"]
        row["flag_awarded_at"] = timezone.localtime(flag).strftime("%Y-%m-%d %H:%M") if flag else ""
        row["grassroots_reached"] = _("yes") if row["grassroots_reached"] else _("no")
        rows.append([row[key] for key, _label in FACILITY_COLUMNS])
    return [[str(label) for _key, label in FACILITY_COLUMNS], *rows]


def _filename(campaign, filters, suffix):
    parts = [campaign.slug, "coverage"]
    if filters.provinces and len(filters.provinces) == 1:
        parts.append(filters.provinces[0])
    if filters.date_from:
        parts.append(f"from-{filters.date_from.isoformat()}")
    if filters.date_to:
        parts.append(f"to-{filters.date_to.isoformat()}")
    return "-".join(parts) + suffix


@login_required
def export_csv(request):
    """The province table (default) or, with ?by=facility, the facility table, as CSV."""
    campaign, filters = _export_state(request)
    if campaign is None:
        return HttpResponseBadRequest(_("Choose a joint action and a valid filter."))
    by = request.GET.get("by", "province")
    if by == "facility":
        table = facility_table(campaign, filters)
    elif by == "province":
        table = province_table(get_campaign_stats(campaign=campaign, filters=filters))
    else:
        return HttpResponseBadRequest(_("Export by province or by facility."))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(campaign, filters, f"-{by}.csv")}"'
    )
    response.write("\ufeff")  # lets spreadsheet programs read the Chinese names as UTF-8
    csv.writer(response).writerows(table)
    return response


@login_required
def export_xlsx(request):
    """Every figure in one workbook: summary, provinces, facilities, days, resources, kinds."""
    campaign, filters = _export_state(request)
    if campaign is None:
        return HttpResponseBadRequest(_("Choose a joint action and a valid filter."))
    stats = get_campaign_stats(campaign=campaign, filters=filters)
    status_labels = dict(KitRequestStatus.choices)
    kind_labels = dict(ActivityKind.choices)
    sheets = [
        (
            _("Summary"),
            [
                [_("Figure"), _("Value")],
                [_("Joint action"), campaign.title],
                *[[str(label), stats[key]] for key, label in SUMMARY_FIGURES],
                *[
                    [_("Kit requests: %(status)s") % {"status": status_labels[status]}, count]
                    for status, count in stats["kit_requests"].items()
                ],
                [_("Figures computed at"), _local(stats["generated_at"])],
            ],
        ),
        (_("By province"), province_table(stats)),
        (_("By facility"), facility_table(campaign, filters)),
        (
            _("Downloads by day"),
            [[_("Date"), _("Downloads")]]
            + [[item["date"], item["count"]] for item in stats["downloads_by_day"]],
        ),
        (
            _("Top resources"),
            [[_("Resource id"), _("Resource"), _("Downloads")]]
            + [[item["id"], item["title"], item["count"]] for item in stats["top_resources"]],
        ),
        (
            _("Activities by kind"),
            [[_("Kind"), _("Activities")]]
            + [
                [str(kind_labels[kind]), count]
                for kind, count in stats["activities_by_kind"].items()
            ],
        ),
    ]
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title=str(title)[:31])
        for index, row in enumerate(rows):
            if index == 0:
                row = [_header_cell(sheet, value, bold) for value in row]
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(campaign, filters, ".xlsx")}"'
    )
    return response


def _header_cell(sheet, value, font):
    cell = WriteOnlyCell(sheet, value=str(value))
    cell.font = font
    return cell


def _local(iso_timestamp):
    return date_format(timezone.localtime(datetime.fromisoformat(iso_timestamp)), "Y-m-d H:i")


urlpatterns = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/export.csv", export_csv, name="dashboard-export-csv"),
    path("dashboard/export.xlsx", export_xlsx, name="dashboard-export-xlsx"),
]
