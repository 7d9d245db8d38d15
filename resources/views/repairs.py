"""Pages of exhibit care: hand-over checklists, the repair queue and tickets, the knowledge
base of known faults, an exhibit's history and the ticket export."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError, NotAllowed

from ..filters.repairs import KnownFaultFilter, RepairTicketFilter
from ..models import (
    Exhibit,
    ExhibitionSet,
    ExhibitStatus,
    HandOverCondition,
    HandOverItem,
    HandOverStage,
    KnownFault,
    RepairCause,
    RepairSeverity,
    RepairTicket,
)
from ..services import repairs as services


def _message_of(error):
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error.message)


def _run(request, action, success):
    """Call a service for a page: permission errors are 403, other refusals a message."""
    try:
        result = action()
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except (DomainError, ValidationError) as error:
        messages.error(request, _message_of(error))
        return None
    messages.success(request, success)
    return result


# ---------------------------------------------------------------------------
# Hand-over checklist
# ---------------------------------------------------------------------------


@login_required
def handover(request, pk, stage):
    from events.models import TourStop

    if stage not in HandOverStage.values:
        raise Http404
    stop = get_object_or_404(
        TourStop.objects.managed_by(request.user).select_related("exhibition_set", "region"),
        pk=pk,
    )
    exhibits = list(
        stop.exhibition_set.exhibits.exclude(status=ExhibitStatus.RETIRED).order_by("code", "id")
    )
    if request.method == "POST":
        items = [
            (
                e.pk,
                request.POST.get(f"condition-{e.pk}", ""),
                request.POST.get(f"note-{e.pk}", "")[:500],
            )
            for e in exhibits
            # An exhibit left without a condition is left out, and the checklist refused.
            if request.POST.get(f"condition-{e.pk}")
        ]
        done = _run(
            request,
            lambda: services.record_handover(
                by=request.user,
                stop=stop,
                stage=stage,
                items=items,
                photos={
                    e.pk: request.FILES[f"photo-{e.pk}"]
                    for e in exhibits
                    if f"photo-{e.pk}" in request.FILES
                },
            ),
            _("The checklist was recorded."),
        )
        if done is not None:
            return redirect("events:stop", pk=stop.pk)
        chosen = {e: c for e, c, _n in items}
    else:
        chosen = {}
    rows = [(e, chosen.get(e.pk, HandOverCondition.OK)) for e in exhibits]
    return render(
        request,
        "resources/exhibits/handover_form.html",
        {
            "stop": stop,
            "stage": HandOverStage(stage),
            "rows": rows,
            "conditions": HandOverCondition.choices,
        },
    )


# ---------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------


def _tickets(user):
    return RepairTicket.objects.visible_to(user).select_related(
        "exhibit", "exhibition_set__operator", "stop__region"
    )


@login_required
def queue(request):
    """Tickets still being worked, blocking first, oldest first within a severity."""
    filtered = RepairTicketFilter(request.GET, queryset=_tickets(request.user).still_open())
    tickets = filtered.qs.by_urgency()[:500]
    return render(
        request,
        "resources/exhibits/repair_queue.html",
        {"tickets": tickets, "filter": filtered},
    )


@login_required
def ticket_detail(request, pk):
    ticket = get_object_or_404(
        _tickets(request.user).prefetch_related("transitions__by", "photos"), pk=pk
    )
    can_work = services.can_work_ticket(request.user, ticket)
    context = {"ticket": ticket, "can_work": can_work}
    if can_work and ticket.is_open:
        context["suggestions"] = services.suggest_fixes(
            model=ticket.exhibit.model, text=ticket.fault
        )
        context["known_faults"] = KnownFault.objects.filter(model=ticket.exhibit.model)
    return render(request, "resources/exhibits/repair_ticket.html", context)


@login_required
@require_POST
def ticket_action(request, pk, name):
    ticket = get_object_or_404(_tickets(request.user), pk=pk)
    note = request.POST.get("note", "")
    if name == "diagnose":
        _run(
            request,
            lambda: services.diagnose_ticket(by=request.user, ticket=ticket, note=note),
            _("Diagnosis started."),
        )
    elif name == "resolve":
        known_fault = None
        chosen = request.POST.get("known_fault", "")
        if chosen.isdigit():
            known_fault = KnownFault.objects.filter(pk=int(chosen)).first()
        _run(
            request,
            lambda: services.resolve_ticket(
                by=request.user,
                ticket=ticket,
                resolution=request.POST.get("resolution", ""),
                known_fault=known_fault,
                new_known_fault=chosen == "new",
            ),
            _("The ticket was resolved."),
        )
    elif name == "write-off":
        _run(
            request,
            lambda: services.write_off_ticket(by=request.user, ticket=ticket, note=note),
            _("The exhibit was written off."),
        )
    else:
        raise Http404
    return redirect("repairs:ticket", pk=ticket.pk)


@login_required
@require_POST
def ticket_photo(request, pk):
    ticket = get_object_or_404(_tickets(request.user), pk=pk)
    if "image" not in request.FILES:
        messages.error(request, _("Choose a photo to upload."))
    else:
        _run(
            request,
            lambda: services.add_ticket_photo(
                by=request.user, ticket=ticket, image=request.FILES["image"]
            ),
            _("The photo was added."),
        )
    return redirect("repairs:ticket", pk=ticket.pk)


@login_required
def open_ticket(request, exhibit_pk):
    from events.models import TourStop

    exhibit = get_object_or_404(
        Exhibit.objects.filter(
            exhibition_set__in=ExhibitionSet.objects.visible_to(request.user)
        ).select_related("exhibition_set__operator"),
        pk=exhibit_pk,
    )
    if request.method == "POST":
        stop = None
        if request.POST.get("stop", "").isdigit():
            stop = TourStop.objects.visible_to(request.user).filter(pk=request.POST["stop"]).first()
        ticket = _run(
            request,
            lambda: services.open_ticket(
                by=request.user,
                exhibit=exhibit,
                stop=stop,
                fault=request.POST.get("fault", ""),
                cause=request.POST.get("cause") or RepairCause.OTHER,
                severity=request.POST.get("severity", ""),
            ),
            _("The fault was reported."),
        )
        if ticket is not None:
            return redirect("repairs:ticket", pk=ticket.pk)
    return render(
        request,
        "resources/exhibits/repair_open.html",
        {
            "exhibit": exhibit,
            "causes": RepairCause.choices,
            "severities": RepairSeverity.choices,
            "stop": request.GET.get("stop", ""),
        },
    )


# ---------------------------------------------------------------------------
# Knowledge base and history
# ---------------------------------------------------------------------------


@login_required
def knowledge_base(request):
    filtered = KnownFaultFilter(
        request.GET, queryset=KnownFault.objects.order_by("model", "-times_used", "id")
    )
    return render(
        request,
        "resources/exhibits/known_faults.html",
        {
            "faults": filtered.qs[:200],
            "q": request.GET.get("q", ""),
            "model": request.GET.get("model", ""),
        },
    )


def exhibit_history_rows(exhibit):
    """Every stop, hand-over condition and ticket of an exhibit, newest first; three queries
    whatever their number."""
    items = list(
        HandOverItem.objects.filter(exhibit=exhibit)
        .select_related("handover__stop__region")
        .order_by("-handover__recorded_at", "-id")
    )
    tickets = list(
        RepairTicket.objects.filter(exhibit=exhibit)
        .select_related("stop__region", "known_fault")
        .order_by("-opened_at", "-id")
    )
    from events.models import TourStop

    stops = list(
        TourStop.objects.filter(exhibition_set_id=exhibit.exhibition_set_id)
        .held()
        .select_related("region")
        .order_by("-starts_on", "-id")
    )
    rows = [("stop", stop.opened_at or stop.starts_on, stop) for stop in stops]
    rows += [("handover", item.handover.recorded_at, item) for item in items]
    rows += [("ticket", ticket.opened_at, ticket) for ticket in tickets]

    def moment(row):
        value = row[1]
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    # Dates of stops sort with datetimes by their ISO text (YYYY-MM-DD prefixes agree).
    rows.sort(key=moment, reverse=True)
    return rows


@login_required
def exhibit_history(request, pk):
    exhibit = get_object_or_404(
        Exhibit.objects.filter(
            exhibition_set__in=ExhibitionSet.objects.visible_to(request.user)
        ).select_related("exhibition_set"),
        pk=pk,
    )
    return render(
        request,
        "resources/exhibits/exhibit_history.html",
        {"exhibit": exhibit, "rows": exhibit_history_rows(exhibit)},
    )


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A spreadsheet cell that can never become a formula: text starting with = + - @ tab or
    CR gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


EXPORT_COLUMNS = [
    ("id", lambda t: t.pk),
    ("exhibition_set", lambda t: t.exhibition_set.code),
    ("exhibit", lambda t: t.exhibit.code),
    ("model", lambda t: t.exhibit.model),
    ("province", lambda t: t.exhibition_set.operator.province_id),
    ("stop", lambda t: t.stop.venue if t.stop else ""),
    ("fault", lambda t: t.fault),
    ("cause", lambda t: t.cause),
    ("severity", lambda t: t.severity),
    ("status", lambda t: t.status),
    ("opened_at", lambda t: t.opened_at.isoformat()),
    ("resolved_at", lambda t: t.resolved_at.isoformat() if t.resolved_at else ""),
    ("resolution", lambda t: t.resolution),
]


def _export_rows(request):
    filtered = RepairTicketFilter(request.GET, queryset=_tickets(request.user))
    for ticket in filtered.qs.order_by("-opened_at", "-id").iterator(chunk_size=500):
        yield [formula_safe(value(ticket)) for _name, value in EXPORT_COLUMNS]


@login_required
def export_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="repair-tickets.csv"'
    response.write("\ufeff")  # lets spreadsheet programs read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([name for name, _value in EXPORT_COLUMNS])
    writer.writerows(_export_rows(request))
    return response


@login_required
def export_xlsx(request):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("tickets")
    sheet.append([name for name, _value in EXPORT_COLUMNS])
    for row in _export_rows(request):
        sheet.append(row)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="repair-tickets.xlsx"'
    workbook.save(response)
    return response
