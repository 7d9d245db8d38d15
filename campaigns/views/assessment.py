"""Assessment pages: a facility's months and reports, the reviewers' queues with the late
facilities, and the yearly table of provinces with its XLSX export.

Views stay thin: reports come from MonthlyReport.objects.visible_to (outside the scope is
404), every change calls campaigns.assessment, and its errors become messages.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from config.errors import DomainError
from facilities.models import Facility
from facilities.roles import get_scope

from .. import assessment
from ..models import ASSESSMENT_INDICATORS, Campaign, MonthlyReport, MonthlyReportStatus

MONTHS_SHOWN = 12

FIGURE_LABELS = [
    ("stops", gettext_lazy("Stops held")),
    ("stop_days", gettext_lazy("Stop days in the month")),
    ("attendance_days", gettext_lazy("Days with attendance recorded")),
    ("stop_audience", gettext_lazy("Visitors at stops")),
    ("school_groups", gettext_lazy("School groups")),
    ("trips", gettext_lazy("Caravan trips reported")),
    ("days_out", gettext_lazy("Caravan days out")),
    ("distance_km", gettext_lazy("Caravan kilometres")),
    ("trip_audience", gettext_lazy("Audience of trips")),
    ("activities", gettext_lazy("Verified activities")),
    ("activity_audience", gettext_lazy("Audience of activities")),
    ("kit_receipts", gettext_lazy("Kit shipments received")),
    ("kit_units_received", gettext_lazy("Kit units received")),
    ("audience", gettext_lazy("Audience in all")),
]

# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A text cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _error_text(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error.message)


def _run(request, call, done):
    try:
        call()
    except (DomainError, ValidationError) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done)


def _ended_months(today, count):
    month = assessment.previous_month(assessment.first_of_month(today))
    months = []
    for _step in range(count):
        months.append(month)
        month = assessment.previous_month(month)
    return months


@login_required
def report_list(request):
    """Staff: their facilities' recent months; reviewers: their queue and late facilities."""
    scope = get_scope(request.user)
    today = timezone.localdate()
    visible = MonthlyReport.objects.visible_to(request.user).select_related("facility")
    months = _ended_months(today, MONTHS_SHOWN)
    facilities = []
    if scope.facility_ids:
        own = Facility.objects.filter(pk__in=scope.facility_ids).order_by("name")
        existing = {
            (r.facility_id, r.month): r
            for r in visible.filter(facility__in=own, month__gte=months[-1])
        }
        facilities = [
            {
                "facility": facility,
                "months": [
                    {
                        "month": month,
                        "label": f"{month:%Y-%m}",
                        "report": existing.get((facility.pk, month)),
                    }
                    for month in months
                ],
            }
            for facility in own
        ]
    to_approve, to_accept, late = [], [], []
    if scope.is_coordinator:
        to_approve = list(
            visible.filter(
                status=MonthlyReportStatus.SUBMITTED,
                facility__province_id__in=scope.province_codes,
            ).order_by("month", "facility__name")
        )
    if scope.is_admin:
        to_accept = list(
            visible.filter(status=MonthlyReportStatus.PROVINCE_APPROVED).order_by(
                "month", "facility__name"
            )
        )
    if scope.is_reviewer:
        late = assessment.late_facilities(user=request.user, today=today)
    return render(
        request,
        "campaigns/reports.html",
        {
            "facilities": facilities,
            "to_approve": to_approve,
            "to_accept": to_accept,
            "late": late,
            "scope": scope,
            "campaign": Campaign.objects.current(),
        },
    )


def _visible_report(request, pk):
    return get_object_or_404(
        MonthlyReport.objects.visible_to(request.user).select_related("facility__province"), pk=pk
    )


@login_required
def report_detail(request, pk):
    report = _visible_report(request, pk)
    assessment.attach_current_figures([report])
    scope = get_scope(request.user)
    is_staff = scope.belongs_to(report.facility_id)
    in_province = report.facility.province_id in scope.province_codes
    draft = report.status == MonthlyReportStatus.DRAFT
    return render(
        request,
        "campaigns/report_detail.html",
        {
            "report": report,
            "figures": [
                (label, report.current_figures.get(key, 0)) for key, label in FIGURE_LABELS
            ],
            "counties": report.current_figures.get("counties", []),
            "transitions": report.transitions.select_related("by"),
            "can_edit": is_staff and draft,
            "can_approve": (report.status == MonthlyReportStatus.SUBMITTED and in_province)
            or (report.status == MonthlyReportStatus.PROVINCE_APPROVED and scope.is_admin),
            "can_return": report.is_frozen
            and report.status != MonthlyReportStatus.ACCEPTED
            and (scope.is_admin or in_province),
        },
    )


@login_required
@require_POST
def report_create(request):
    scope = get_scope(request.user)
    facility_id = request.POST.get("facility", "")
    if not facility_id.isdigit() or not scope.belongs_to(int(facility_id)):
        raise Http404
    facility = get_object_or_404(Facility, pk=int(facility_id))
    try:
        month = assessment.parse_month(request.POST.get("month", ""))
        report = assessment.create_report(by=request.user, facility=facility, month=month)
    except (DomainError, ValidationError) as error:
        messages.error(request, _error_text(error))
        return redirect("monthly-reports")
    return redirect("monthly-report", report.pk)


@login_required
@require_POST
def report_summary(request, pk):
    report = _visible_report(request, pk)
    _run(
        request,
        lambda: assessment.save_summary(
            report=report, by=request.user, summary=request.POST.get("summary", "")
        ),
        _("The summary is saved."),
    )
    return redirect("monthly-report", report.pk)


@login_required
@require_POST
def report_submit(request, pk):
    report = _visible_report(request, pk)
    summary = request.POST.get("summary")
    _run(
        request,
        lambda: assessment.submit_report(report=report, by=request.user, summary=summary),
        _("The report is submitted; its figures are frozen."),
    )
    return redirect("monthly-report", report.pk)


@login_required
@require_POST
def report_approve(request, pk):
    report = _visible_report(request, pk)
    _run(
        request,
        lambda: assessment.approve_report(
            report=report, by=request.user, note=request.POST.get("note", "")
        ),
        _("The report is approved."),
    )
    if request.POST.get("next") == "queue":
        return redirect("monthly-reports")
    return redirect("monthly-report", report.pk)


@login_required
@require_POST
def report_return(request, pk):
    report = _visible_report(request, pk)
    _run(
        request,
        lambda: assessment.return_report(
            report=report, by=request.user, reason=request.POST.get("reason", "")
        ),
        _("The report is returned to the facility."),
    )
    return redirect("monthly-report", report.pk)


def _table(request, slug):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
    if not get_scope(request.user).is_reviewer:
        raise PermissionDenied
    value = request.GET.get("year", "")
    year = int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None
    year = year or campaign.starts_on.year
    rows = assessment.assessment_table(campaign=campaign, year=year, user=request.user)
    return campaign, year, rows


INDICATOR_COLUMNS = [(key, label) for key, label, _weight in ASSESSMENT_INDICATORS]


@login_required
def assessment_page(request, slug):
    campaign, year, rows = _table(request, slug)
    weights = assessment.weights_for(campaign)
    return render(
        request,
        "campaigns/assessment.html",
        {
            "campaign": campaign,
            "year": year,
            "columns": [(key, label, weights.get(key, 0)) for key, label in INDICATOR_COLUMNS],
            "rows": [
                {**row, "values": [row["indicators"].get(key, 0) for key, _l in INDICATOR_COLUMNS]}
                for row in rows
            ],
        },
    )


@login_required
def assessment_xlsx(request, slug):
    """The table, and the year's accepted reports of the same provinces, as a workbook."""
    campaign, year, rows = _table(request, slug)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Assessment"))[:31])
    sheet.append(
        [_("Rank"), _("Province code"), _("Province")]
        + [str(label) for _key, label in INDICATOR_COLUMNS]
        + [_("Score")]
    )
    for row in rows:
        sheet.append(
            [row["rank"], formula_safe(row["province"]), formula_safe(row["name"])]
            + [row["indicators"].get(key, 0) for key, _label in INDICATOR_COLUMNS]
            + [row["score"]]
        )
    reports = (
        MonthlyReport.objects.visible_to(request.user)
        .filter(
            status=MonthlyReportStatus.ACCEPTED,
            month__year=year,
            facility__province_id__in=[row["province"] for row in rows],
        )
        .select_related("facility")
        .order_by("facility__province_id", "facility__name", "month")
    )
    sheet = workbook.create_sheet(title=str(_("Accepted reports"))[:31])
    sheet.append(
        [_("Province code"), _("Facility"), _("Month")]
        + [str(label) for _key, label in FIGURE_LABELS]
        + [_("Summary")]
    )
    for report in reports:
        sheet.append(
            [
                formula_safe(report.facility.province_id),
                formula_safe(report.facility.name),
                report.month_label,
            ]
            + [report.figures.get(key, 0) for key, _label in FIGURE_LABELS]
            + [formula_safe(report.summary)]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{campaign.slug}-{year}.xlsx"'
    )
    return response
