"""Monthly reports and the yearly assessment.

A facility's month: draft → submitted (its staff) → province_approved (a coordinator of its
province) → accepted (an administrator); either reviewer returns a submitted or
province-approved report to draft with a reason. Nobody types a figure: while a draft, the
figures are computed from the month's stops, attendance, trips, activities and kit receipts;
at submission they are computed one last time and stored.

Frozen months. From submission on, the facility's attendance, trip reports and activities of
that month are refused (`MonthFrozen`, 409) by every service that would change them, until the
report is returned. What belongs to a month: attendance by its date, a trip by its first day,
an activity by the local date it starts. The guard and the submission both lock the facility
row first (SELECT … FOR UPDATE), so an attendance entry racing a submission either commits
before the figures are taken (and is in them) or waits and is refused.

`by=None` means the platform itself (a task) and skips the permission checks, never the rules.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError, InvalidTransition, NotAllowed
from facilities.notifications import facility_staff_emails, notify
from facilities.roles import get_scope

from .models import (
    DEFAULT_ASSESSMENT_WEIGHTS,
    FROZEN_REPORT_STATUSES,
    AssessmentWeights,
    MonthlyReminder,
    MonthlyReport,
    MonthlyReportStatus,
    MonthlyReportTransition,
)

S = MonthlyReportStatus

# A month's report is on time when submitted by this day of the following month.
REPORT_DUE_DAY = 10
# How many ended months the coordinators' list of late facilities looks back.
LATE_LOOKBACK_MONTHS = 6


class MonthFrozen(DomainError):
    default_message = _("This month is frozen by its submitted report.")


# ---------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------


def first_of_month(day):
    return day.replace(day=1)


def next_month(month):
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def previous_month(month):
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def last_of_month(month):
    return next_month(month) - datetime.timedelta(days=1)


def due_date(month):
    return next_month(month).replace(day=REPORT_DUE_DAY)


def parse_month(value):
    """`YYYY-MM` → the first day of that month; ValidationError with a message otherwise."""
    try:
        year, number = str(value).split("-")
        if len(year) != 4 or len(number) != 2:
            raise ValueError
        return datetime.date(int(year), int(number), 1)
    except (TypeError, ValueError):
        raise ValidationError({"month": _("Give the month as YYYY-MM, e.g. 2026-03.")}) from None


def _local_range(first, last):
    """Aware datetimes from the start of `first` to the start of the day after `last`."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

FIGURE_KEYS = (
    "stops",
    "stop_days",
    "attendance_days",
    "stop_audience",
    "school_groups",
    "trips",
    "days_out",
    "distance_km",
    "trip_audience",
    "activities",
    "activity_audience",
    "kit_receipts",
    "kit_units_received",
    "audience",
)


def _empty_figures():
    figures = dict.fromkeys(FIGURE_KEYS, 0)
    figures["counties"] = []
    return figures


def compute_figures_for(pairs):
    """Figures of many (facility_id, month) pairs in five queries, whatever their number.

    - `stops`, `stop_days`: held (open or closed) stops of the sets the facility operates that
      share a day with the month, and their days within the month (an open stop up to today);
    - `attendance_days`, `stop_audience`, `school_groups`: attendance entries dated in the month;
    - `trips`, `days_out`, `distance_km`, `trip_audience`: reported trips starting in the month;
    - `activities`, `activity_audience`: verified activities starting in the month;
    - `kit_receipts`, `kit_units_received`: kit requests confirmed received in the month;
    - `audience`: stop, trip and activity audience together; `counties`: the county codes of
      those stops, trips and activities.
    """
    from events.models import (
        Activity,
        ActivityStatus,
        CaravanTrip,
        CaravanTripStatus,
        StopAttendance,
        TourStop,
        TourStopStatus,
    )
    from resources.models import KitRequest, KitRequestStatus

    pairs = {(facility_id, first_of_month(month)) for facility_id, month in pairs}
    result = {pair: _empty_figures() for pair in pairs}
    if not pairs:
        return result
    facility_ids = {facility_id for facility_id, _month in pairs}
    first = min(month for _f, month in pairs)
    last = last_of_month(max(month for _f, month in pairs))
    counties = defaultdict(set)
    today = timezone.localdate()

    def bucket(facility_id, day):
        figures = result.get((facility_id, first_of_month(day)))
        return figures

    stops = (
        TourStop.objects.held()
        .filter(
            exhibition_set__operator_id__in=facility_ids, starts_on__lte=last, ends_on__gte=first
        )
        .values_list("exhibition_set__operator_id", "starts_on", "ends_on", "status", "region_id")
        .order_by()
    )
    for operator_id, starts_on, ends_on, status, region_id in stops:
        end = min(ends_on, today) if status == TourStopStatus.OPEN else ends_on
        month = first_of_month(max(starts_on, first))
        while month <= min(end, last):
            figures = result.get((operator_id, month))
            if figures is not None:
                span_start = max(starts_on, month)
                span_end = min(end, last_of_month(month))
                if span_end >= span_start:
                    figures["stops"] += 1
                    figures["stop_days"] += (span_end - span_start).days + 1
                    counties[(operator_id, month)].add(region_id)
            month = next_month(month)

    attendance = (
        StopAttendance.objects.filter(
            stop__exhibition_set__operator_id__in=facility_ids,
            stop__status__in=(TourStopStatus.OPEN, TourStopStatus.CLOSED),
            date__gte=first,
            date__lte=last,
        )
        .values_list("stop__exhibition_set__operator_id", "date", "visitors", "school_groups")
        .order_by()
    )
    for operator_id, day, visitors, school_groups in attendance:
        figures = bucket(operator_id, day)
        if figures is not None:
            figures["attendance_days"] += 1
            figures["stop_audience"] += visitors
            figures["school_groups"] += school_groups

    trips = (
        CaravanTrip.objects.filter(
            facility_id__in=facility_ids,
            status=CaravanTripStatus.REPORTED,
            starts_on__gte=first,
            starts_on__lte=last,
        )
        .values_list(
            "facility_id", "starts_on", "ends_on", "distance_km", "audience_total", "region_id"
        )
        .order_by()
    )
    for facility_id, starts_on, ends_on, distance_km, audience, region_id in trips:
        figures = bucket(facility_id, starts_on)
        if figures is not None:
            figures["trips"] += 1
            figures["days_out"] += (ends_on - starts_on).days + 1
            figures["distance_km"] += distance_km or 0
            figures["trip_audience"] += audience or 0
            counties[(facility_id, first_of_month(starts_on))].add(region_id)

    start, end = _local_range(first, last)
    activities = (
        Activity.objects.filter(
            facility_id__in=facility_ids,
            status=ActivityStatus.VERIFIED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values_list("facility_id", "starts_at", "audience_count", "region_id")
        .order_by()
    )
    for facility_id, starts_at, audience, region_id in activities:
        day = timezone.localtime(starts_at).date()
        figures = bucket(facility_id, day)
        if figures is not None:
            figures["activities"] += 1
            figures["activity_audience"] += audience
            counties[(facility_id, first_of_month(day))].add(region_id)

    receipts = (
        KitRequest.objects.filter(
            facility_id__in=facility_ids,
            status=KitRequestStatus.RECEIVED,
            received_at__gte=start,
            received_at__lt=end,
        )
        .values_list("facility_id", "received_at", "quantity")
        .order_by()
    )
    for facility_id, received_at, quantity in receipts:
        figures = bucket(facility_id, timezone.localtime(received_at).date())
        if figures is not None:
            figures["kit_receipts"] += 1
            figures["kit_units_received"] += quantity

    for pair, figures in result.items():
        figures["audience"] = (
            figures["stop_audience"] + figures["trip_audience"] + figures["activity_audience"]
        )
        figures["counties"] = sorted(c for c in counties[pair] if c)
    return result


def compute_figures(*, facility_id, month):
    """The figures of one facility's month, computed now (see compute_figures_for)."""
    month = first_of_month(month)
    return compute_figures_for([(facility_id, month)])[(facility_id, month)]


def attach_current_figures(reports):
    """Give each report `current_figures`: stored when frozen, recomputed when a draft.

    Five queries for all the drafts together, none when every report is frozen.
    """
    reports = list(reports)
    drafts = [r for r in reports if r.status == S.DRAFT]
    computed = compute_figures_for((r.facility_id, r.month) for r in drafts) if drafts else {}
    for report in reports:
        if report.status == S.DRAFT:
            report.current_figures = computed[(report.facility_id, report.month)]
        else:
            report.current_figures = report.figures
    return reports


# ---------------------------------------------------------------------------
# The frozen-month guard
# ---------------------------------------------------------------------------


def _lock_facility(facility_id):
    """The lock that a submission and every change of a month's field work both take first."""
    from facilities.models import Facility

    # FOR NO KEY UPDATE: exclusive between these two sides, yet rows that merely reference
    # the facility (new activities, requests) can still be inserted meanwhile.
    list(Facility.objects.select_for_update(no_key=True).filter(pk=facility_id).values_list("pk"))


def frozen_message(report):
    return gettext(
        "The %(month)s report of %(facility)s (report #%(id)s) is “%(status)s”: that month's "
        "attendance, trip reports and activities can no longer be added, changed or removed. "
        "Ask a reviewer to return the report first."
    ) % {
        "month": report.month_label,
        "facility": report.facility.name,
        "id": report.pk,
        "status": report.get_status_display(),
    }


def _as_date(day):
    if isinstance(day, datetime.datetime):
        return timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day


def frozen_report_for(*, facility_id, day):
    """The submitted (or later) report freezing that facility's month, or None; no lock."""
    if facility_id is None or day is None:
        return None
    return (
        MonthlyReport.objects.frozen()
        .select_related("facility")
        .filter(facility_id=facility_id, month=first_of_month(_as_date(day)))
        .first()
    )


def ensure_month_open(*, facility_id, day):
    """Refuse (MonthFrozen, 409) a change to a facility's field work of a frozen month.

    Call inside the transaction that makes the change, before writing: it locks the facility
    row, which the submission locks too, so the two never interleave.
    """
    if facility_id is None or day is None:
        return
    _lock_facility(facility_id)
    report = frozen_report_for(facility_id=facility_id, day=day)
    if report is not None:
        raise MonthFrozen(frozen_message(report))


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------


def _acting(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _record(report, from_status, to_status, by, note=""):
    MonthlyReportTransition.objects.create(
        report=report,
        from_status=from_status or "",
        to_status=to_status,
        by=_acting(by),
        at=timezone.now(),
        note=note or "",
    )


def _lock(report):
    return (
        MonthlyReport.objects.select_for_update(of=("self",))
        .select_related("facility")
        .get(pk=report.pk)
    )


def _check_staff(by, facility_id):
    if by is not None and not get_scope(by).belongs_to(facility_id):
        raise NotAllowed(gettext("Only the facility's staff may do this with its report."))


def _is_province_reviewer(by, report):
    return by is None or report.facility.province_id in get_scope(by).province_codes


def _is_admin(by):
    return by is None or get_scope(by).is_admin


def _refused(report, action):
    messages = {
        "submitted": _("Only a draft report can be submitted; this one is “%(status)s”."),
        "saved": _("Only a draft report can be changed; this one is “%(status)s”."),
        "approved": _(
            "Only a submitted or province-approved report can be approved; "
            "this one is “%(status)s”."
        ),
        "returned": _(
            "Only a submitted or province-approved report can be returned; "
            "this one is “%(status)s”."
        ),
    }
    return InvalidTransition(messages[action] % {"status": report.get_status_display()})


def report_url(report):
    return settings.SITE_URL.rstrip("/") + reverse("monthly-report", args=[report.pk])


@transaction.atomic
def create_report(*, by, facility, month, summary=""):
    """A draft report of an ended month for a facility the user works for; one per month."""
    from facilities.models import FacilityStatus

    month = first_of_month(month)
    if by is not None and not get_scope(by).belongs_to(facility.pk):
        raise ValidationError({"facility": _("You can only report on a facility you work for.")})
    if facility.status != FacilityStatus.APPROVED:
        raise ValidationError({"facility": _("The facility must be approved before it reports.")})
    if month >= first_of_month(timezone.localdate()):
        raise ValidationError({"month": _("Report on a month that has ended.")})
    _lock_facility(facility.pk)
    existing = MonthlyReport.objects.filter(facility=facility, month=month).first()
    exists = DomainError(
        gettext("The %(month)s report of this facility exists already (report #%(id)s).")
        % {"month": f"{month:%Y-%m}", "id": existing.pk if existing else "?"}
    )
    if existing is not None:
        raise exists
    report = MonthlyReport(
        facility=facility,
        month=month,
        summary=(summary or "").strip(),
        figures=compute_figures(facility_id=facility.pk, month=month),
        created_by=_acting(by),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise DomainError(
            gettext("The %(month)s report of this facility exists already.")
            % {"month": f"{month:%Y-%m}"}
        ) from None
    _record(report, "", S.DRAFT, by)
    return report


@transaction.atomic
def save_summary(*, report, by, summary):
    """The facility's own words on its month; only while the report is a draft."""
    report = _lock(report)
    _check_staff(by, report.facility_id)
    if report.status != S.DRAFT:
        raise _refused(report, "saved")
    report.summary = (summary or "").strip()
    report.save(update_fields=["summary", "updated_at"])
    return report


@transaction.atomic
def submit_report(*, report, by, summary=None):
    """draft → submitted by the facility's staff; the figures are computed and stored.

    The facility row is locked before the figures are taken (as by `ensure_month_open`), so
    field work written concurrently is either in the stored figures or refused.
    """
    _lock_facility(report.facility_id)
    report = _lock(report)
    _check_staff(by, report.facility_id)
    if report.status != S.DRAFT:
        raise _refused(report, "submitted")
    if summary is not None:
        report.summary = summary.strip()
    report.figures = compute_figures(facility_id=report.facility_id, month=report.month)
    report.status = S.SUBMITTED
    report.submitted_at = timezone.now()
    report.returned_reason = ""
    report.save()
    _record(report, S.DRAFT, S.SUBMITTED, by)
    return report


@transaction.atomic
def approve_report(*, report, by, note=""):
    """submitted → province_approved by a coordinator of the facility's province, then
    province_approved → accepted by an administrator. Figures stay as stored."""
    report = _lock(report)
    if report.status == S.SUBMITTED:
        if not _is_province_reviewer(by, report):
            raise NotAllowed(
                gettext("A coordinator of the facility's province approves this report first.")
            )
        to_status, stamp = S.PROVINCE_APPROVED, "approved_at"
    elif report.status == S.PROVINCE_APPROVED:
        if not _is_admin(by):
            raise NotAllowed(gettext("Only an administrator of the centre accepts a report."))
        to_status, stamp = S.ACCEPTED, "accepted_at"
    else:
        raise _refused(report, "approved")
    from_status = report.status
    report.status = to_status
    setattr(report, stamp, timezone.now())
    report.save(update_fields=["status", stamp, "updated_at"])
    _record(report, from_status, to_status, by, note)
    return report


@transaction.atomic
def return_report(*, report, by, reason):
    """submitted|province_approved → draft by either reviewer, with a reason for the staff.

    The month is unfrozen: its field work may change again and the figures are recomputed.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report goes back, so the staff can act.")})
    _lock_facility(report.facility_id)
    report = _lock(report)
    if by is not None and not (_is_admin(by) or _is_province_reviewer(by, report)):
        raise NotAllowed(gettext("Only the reviewers of this facility may return its report."))
    if report.status not in (S.SUBMITTED, S.PROVINCE_APPROVED):
        raise _refused(report, "returned")
    from_status = report.status
    report.status = S.DRAFT
    report.returned_reason = reason
    report.submitted_at = None
    report.approved_at = None
    report.figures = compute_figures(facility_id=report.facility_id, month=report.month)
    report.save()
    _record(report, from_status, S.DRAFT, by, reason)
    notify(
        emails=facility_staff_emails([report.facility_id]),
        template="campaigns/mail/report_returned",
        context={"report": report, "reason": reason, "url": report_url(report)},
    )
    return report


# ---------------------------------------------------------------------------
# Field work per month, reminders and late facilities
# ---------------------------------------------------------------------------


def months_with_field_work(*, facility_ids=None, first, last):
    """{(facility_id, month)} with a held stop, a trip (not cancelled) or an activity (not
    rejected) in the months from `first` to `last`; three queries."""
    from events.models import (
        Activity,
        ActivityStatus,
        CaravanTrip,
        CaravanTripStatus,
        TourStop,
    )

    first, last = first_of_month(first), last_of_month(last)
    stops = TourStop.objects.held().filter(starts_on__lte=last, ends_on__gte=first)
    trips = CaravanTrip.objects.exclude(status=CaravanTripStatus.CANCELLED).filter(
        starts_on__gte=first, starts_on__lte=last
    )
    start, end = _local_range(first, last)
    activities = Activity.objects.exclude(status=ActivityStatus.REJECTED).filter(
        starts_at__gte=start, starts_at__lt=end
    )
    if facility_ids is not None:
        stops = stops.filter(exhibition_set__operator_id__in=facility_ids)
        trips = trips.filter(facility_id__in=facility_ids)
        activities = activities.filter(facility_id__in=facility_ids)
    found = set()
    rows = stops.values_list("exhibition_set__operator_id", "starts_on", "ends_on").order_by()
    for operator_id, starts_on, ends_on in rows:
        month = first_of_month(max(starts_on, first))
        while month <= min(ends_on, last):
            found.add((operator_id, month))
            month = next_month(month)
    for facility_id, starts_on in trips.values_list("facility_id", "starts_on").order_by():
        found.add((facility_id, first_of_month(starts_on)))
    for facility_id, starts_at in activities.values_list("facility_id", "starts_at").order_by():
        found.add((facility_id, first_of_month(timezone.localtime(starts_at).date())))
    return found


def send_monthly_reminders(*, today=None):
    """Mail the staff of each approved facility with field work last month and no submitted
    report for it, once: a (facility, month) row under a unique constraint guards each mail,
    so a second run (or a retried task) sends nothing more. Returns the facilities reminded."""
    from facilities.models import Facility, FacilityStatus

    today = today or timezone.localdate()
    month = previous_month(first_of_month(today))
    candidates = {
        facility_id for facility_id, _month in months_with_field_work(first=month, last=month)
    }
    frozen = set(
        MonthlyReport.objects.frozen().filter(month=month).values_list("facility_id", flat=True)
    )
    facilities = Facility.objects.filter(
        pk__in=candidates - frozen, status=FacilityStatus.APPROVED
    ).order_by("pk")
    reminded = []
    for facility in facilities:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    MonthlyReminder.objects.create(facility=facility, month=month)
            except IntegrityError:
                continue  # reminded already
            notify(
                emails=facility_staff_emails([facility.pk]),
                template="campaigns/mail/report_reminder",
                context={
                    "facility": facility,
                    "month": f"{month:%Y-%m}",
                    "due": due_date(month),
                    "url": settings.SITE_URL.rstrip("/") + reverse("monthly-reports"),
                },
            )
        reminded.append(facility.pk)
    return reminded


def late_facilities(*, user, today=None):
    """Facilities in the user's scope that owe a report: field work in an ended month whose
    due date has passed, and no submitted report for it. A list of {facility, month, due}."""
    from facilities.models import Facility, FacilityStatus

    scope = get_scope(user)
    if not scope.is_reviewer:
        return []
    today = today or timezone.localdate()
    last = previous_month(first_of_month(today))
    if today < due_date(last):
        last = previous_month(last)
    first = last
    for _step in range(LATE_LOOKBACK_MONTHS - 1):
        first = previous_month(first)
    facilities = Facility.objects.filter(status=FacilityStatus.APPROVED)
    if not scope.is_admin:
        facilities = facilities.filter(province_id__in=scope.province_codes)
    by_id = {f.pk: f for f in facilities.select_related("province")}
    owed = months_with_field_work(facility_ids=list(by_id), first=first, last=last)
    submitted = set(
        MonthlyReport.objects.frozen()
        .filter(facility_id__in=list(by_id), month__gte=first, month__lte=last)
        .values_list("facility_id", "month")
    )
    late = [
        {"facility": by_id[facility_id], "month": month, "due": due_date(month)}
        for facility_id, month in owed - submitted
    ]
    late.sort(key=lambda row: (row["month"], row["facility"].name))
    return late


# ---------------------------------------------------------------------------
# The yearly assessment of provinces
# ---------------------------------------------------------------------------


def weights_for(campaign):
    row = AssessmentWeights.objects.filter(campaign=campaign).first()
    return dict(row.weights) if row is not None else dict(DEFAULT_ASSESSMENT_WEIGHTS)


def save_weights(*, campaign, weights, by):
    """Set a campaign's weights; refused unless every indicator has one and they sum to 100."""
    if by is not None and not get_scope(by).is_admin:
        raise NotAllowed(gettext("Only administrators set the assessment's weights."))
    row = AssessmentWeights.objects.filter(campaign=campaign).first() or AssessmentWeights(
        campaign=campaign
    )
    row.weights = weights
    row.full_clean()
    row.save()
    return row


def assessment_table(*, campaign, year, user):
    """The provinces in the user's scope ranked by their weighted score for a year.

    Indicators: counties reached (distinct counties of held stops, reported trips and verified
    activities of the province's facilities) and stops held, live; audience, caravan days out
    and km, verified activities, summed from the year's accepted reports; the share of the
    province's caravans whose accepted reports meet the yearly norm; the share of the year's
    submitted reports that came in by the due day. Each indicator is normalised against the
    best province (shares as they are), weighted, and summed into a score out of 100.
    A constant number of queries, whatever the number of provinces.
    """
    from events.models import (
        Activity,
        ActivityStatus,
        CaravanTrip,
        CaravanTripStatus,
        TourStop,
    )
    from facilities.models import (
        Facility,
        FacilityKind,
        FacilityStatus,
        Region,
        RegionTagAssignment,
    )

    scope = get_scope(user)
    if not scope.is_reviewer:
        raise NotAllowed(gettext("The assessment is for administrators and coordinators."))
    weights = weights_for(campaign)
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    provinces = (
        Region.objects.provinces()
        .reviewed_by(user)
        .filter(code__in=Facility.objects.values("province_id"))
    )
    provinces = list(provinces.order_by("code").values_list("code", "name"))
    codes = [code for code, _name in provinces]
    rows = {
        code: {"province": code, "name": name, "counties": set(), "indicators": defaultdict(int)}
        for code, name in provinces
    }

    for code, region_id, held in (
        TourStop.objects.held()
        .filter(
            exhibition_set__operator__province_id__in=codes,
            starts_on__lte=last,
            ends_on__gte=first,
        )
        .values_list("exhibition_set__operator__province_id", "region_id")
        .annotate(held=Count("pk"))
        .order_by()
    ):
        rows[code]["indicators"]["stops"] += held
        rows[code]["counties"].add(region_id)
    for code, region_id in (
        CaravanTrip.objects.filter(
            facility__province_id__in=codes,
            status=CaravanTripStatus.REPORTED,
            starts_on__gte=first,
            starts_on__lte=last,
        )
        .values_list("facility__province_id", "region_id")
        .distinct()
        .order_by()
    ):
        rows[code]["counties"].add(region_id)
    start, end = _local_range(first, last)
    for code, region_id in (
        Activity.objects.filter(
            facility__province_id__in=codes,
            status=ActivityStatus.VERIFIED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values_list("facility__province_id", "region_id")
        .distinct()
        .order_by()
    ):
        rows[code]["counties"].add(region_id)

    # Sums of the stored figures and on-time counts, added up by the database per province
    # (and per caravan for the norm): a handful of rows, whatever the number of reports.
    def figure(key, condition=None):
        return Coalesce(Sum(Cast(KT(f"figures__{key}"), IntegerField()), filter=condition), 0)

    on_time = Q(pk__in=[])
    month = first
    while month <= last:
        _start, due_end = _local_range(month, due_date(month))
        on_time |= Q(month=month, submitted_at__lt=due_end)
        month = next_month(month)
    frozen_reports = MonthlyReport.objects.filter(
        facility__province_id__in=codes,
        status__in=FROZEN_REPORT_STATUSES,
        month__gte=first,
        month__lte=last,
    ).order_by()
    accepted = Q(status=S.ACCEPTED)
    for totals in frozen_reports.values("facility__province_id").annotate(
        submitted=Count("pk"),
        submitted_on_time=Count("pk", filter=on_time),
        accepted=Count("pk", filter=accepted),
        audience=figure("audience", accepted),
        days_out=figure("days_out", accepted),
        distance_km=figure("distance_km", accepted),
        activities=figure("activities", accepted),
    ):
        indicators = rows[totals["facility__province_id"]]["indicators"]
        indicators["reports_submitted"] = totals["submitted"]
        indicators["reports_submitted_on_time"] = totals["submitted_on_time"]
        indicators["reports_accepted"] = totals["accepted"]
        for key in ("audience", "days_out", "distance_km", "activities"):
            indicators[key] = totals[key]
    caravan_totals = {
        row["facility_id"]: (row["days_out"], row["distance_km"])
        for row in frozen_reports.filter(accepted, facility__kind=FacilityKind.CARAVAN)
        .values("facility_id")
        .annotate(days_out=figure("days_out"), distance_km=figure("distance_km"))
    }

    # What is still open now: receipt discrepancies of the province's facilities and repair
    # tickets of the sets its facilities operate (live figures, one query each).
    from resources.models import REPAIR_OPEN_STATUSES, Discrepancy, DiscrepancyStatus, RepairTicket

    for code, count in (
        Discrepancy.objects.filter(
            kit_request__facility__province_id__in=codes, status=DiscrepancyStatus.OPEN
        )
        .values_list("kit_request__facility__province_id")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        rows[code]["indicators"]["discrepancies_open"] = count
    for code, count in (
        RepairTicket.objects.filter(
            exhibition_set__operator__province_id__in=codes, status__in=REPAIR_OPEN_STATUSES
        )
        .values_list("exhibition_set__operator__province_id")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        rows[code]["indicators"]["repair_tickets_open"] = count

    # Regions with a priority tag (old revolutionary base, border, ...): one query.
    tagged = set(RegionTagAssignment.objects.values_list("region_id", flat=True).distinct())

    caravans = Facility.objects.filter(
        province_id__in=codes, kind=FacilityKind.CARAVAN, status=FacilityStatus.APPROVED
    ).values_list("province_id", "pk")
    for code, facility_id in caravans:
        indicators = rows[code]["indicators"]
        indicators["caravans"] += 1
        days_out, km = caravan_totals.get(facility_id, (0, 0))
        if days_out >= settings.CARAVAN_NORM_DAYS or km >= settings.CARAVAN_NORM_KM:
            indicators["caravans_meeting_norm_count"] += 1

    for row in rows.values():
        indicators = row["indicators"]
        counties = {c for c in row.pop("counties") if c}
        indicators["counties_reached"] = len(counties)
        indicators["priority_counties_reached"] = sum(
            1 for county in counties if _carries_a_tag(county, tagged)
        )
        indicators["caravans_meeting_norm"] = _share(
            indicators["caravans_meeting_norm_count"], indicators["caravans"]
        )
        indicators["reports_on_time"] = _share(
            indicators["reports_submitted_on_time"], indicators["reports_submitted"]
        )
    return rank(list(rows.values()), weights)


SHARE_INDICATORS = ("caravans_meeting_norm", "reports_on_time")
FEWER_IS_BETTER = ("discrepancies_open", "repair_tickets_open")


def _carries_a_tag(county, tagged):
    """Whether a county carries a priority tag, itself or through its prefecture or province."""
    return county in tagged or f"{county[:4]}00" in tagged or f"{county[:2]}0000" in tagged


def _share(part, whole):
    return round(part / whole, 4) if whole else 0.0


def rank(rows, weights):
    """Score rows ({province, name, indicators}) with the weights and sort best first.

    A count is normalised against the largest value among the rows; a share counts as it is;
    for what is better when fewer (open discrepancies and tickets) the province with none gets
    the whole weight and the one with the most gets none.
    """
    best = {
        key: max((row["indicators"].get(key, 0) for row in rows), default=0)
        for key in weights
        if key not in SHARE_INDICATORS
    }
    for row in rows:
        indicators = row["indicators"]
        score = 0.0
        for key, weight in weights.items():
            value = indicators.get(key, 0)
            if key in SHARE_INDICATORS:
                normalised = value
            elif key in FEWER_IS_BETTER:
                normalised = 1.0 - value / best[key] if best[key] else 1.0
            else:
                normalised = value / best[key] if best[key] else 0.0
            score += weight * normalised
        row["indicators"] = dict(indicators)
        row["score"] = round(score, 2)
    rows.sort(key=lambda row: (-row["score"], row["province"]))
    for position, row in enumerate(rows, start=1):
        row["rank"] = position
    return rows
