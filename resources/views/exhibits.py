"""Pages of exhibition sets: the public list and set page (with its calendar feed), and for
the set's managers the exhibits, the stops on a timeline and the next stop."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.errors import DomainError, NotAllowed

from ..api.exhibits import with_figures
from ..forms.exhibits import ExhibitForm
from ..models import Exhibit, ExhibitionSet, ExhibitStatus
from ..services import exhibits as services
from ..services import repairs as repair_services


def set_list(request):
    sets = with_figures(ExhibitionSet.objects.visible_to(request.user)).order_by(
        "operator__province_id", "code", "id"
    )
    return render(request, "resources/exhibits/set_list.html", {"sets": sets})


def timeline(stops, today):
    """Bars for the stops: left offset and width in per cent of the whole span of dates."""
    stops = list(stops)
    if not stops:
        return []
    first = min(min(stop.starts_on for stop in stops), today)
    last = max(max(stop.ends_on for stop in stops), today)
    span = (last - first).days + 1
    rows = []
    for stop in stops:
        rows.append(
            {
                "stop": stop,
                "left": round(100 * (stop.starts_on - first).days / span, 2),
                "width": max(round(100 * stop.days / span, 2), 0.5),
            }
        )
    return rows


def set_detail(request, pk):
    from events.models import TourStop, TourStopStatus

    exhibition_set = get_object_or_404(
        with_figures(ExhibitionSet.objects.visible_to(request.user)).select_related("campaign"),
        pk=pk,
    )
    can_manage = request.user.is_authenticated and services.can_manage_set(
        request.user, exhibition_set
    )
    stops = (
        TourStop.objects.visible_to(request.user)
        .filter(exhibition_set=exhibition_set)
        .select_related("region")
        .order_by("starts_on", "id")
    )
    today = timezone.localdate()
    stops = list(stops)
    next_stop = next(
        (s for s in stops if s.status == TourStopStatus.PLANNED and s.ends_on >= today), None
    )
    current = next((s for s in stops if s.status == TourStopStatus.OPEN), None)
    feed_url = request.build_absolute_uri(
        reverse("exhibition-set-schedule", args=[exhibition_set.pk])
    )
    context = {
        "exhibition_set": exhibition_set,
        "stops": stops,
        "current_stop": current,
        "next_stop": next_stop,
        "can_manage": can_manage,
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
        # Shown until found or written off.
        "missing_exhibits": exhibition_set.exhibits.filter(status=ExhibitStatus.MISSING).order_by(
            "code", "id"
        ),
    }
    if can_manage:
        context["timeline"] = timeline(stops, today)
        context["today"] = today
        context["exhibits"] = exhibition_set.exhibits.order_by("code", "id")
        context["exhibit_form"] = ExhibitForm()
        if exhibition_set.campaign is not None:
            from campaigns.suggestions import suggested_stops

            context["suggestions"] = suggested_stops(
                campaign=exhibition_set.campaign, exhibition_set=exhibition_set
            )
    return render(request, "resources/exhibits/set_detail.html", context)


@login_required
@require_POST
def add_exhibit(request, pk):
    exhibition_set = get_object_or_404(
        ExhibitionSet.objects.visible_to(request.user).select_related("operator"), pk=pk
    )
    form = ExhibitForm(request.POST)
    if form.is_valid():
        try:
            services.add_exhibit(
                by=request.user,
                exhibition_set=exhibition_set,
                **{k: form.cleaned_data[k] for k in ("code", "name", "model")},
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The exhibit was added."))
    else:
        messages.error(request, _("Give the code, the name and the model of the exhibit."))
    return redirect("exhibits:public-set", pk=exhibition_set.pk)


# What the set's managers can do about an exhibit flagged missing at a hand-over.
MISSING_ACTIONS = {
    "found": (repair_services.mark_exhibit_found, gettext_lazy("%(exhibit)s is back in the set.")),
    "write-off": (
        repair_services.write_off_missing_exhibit,
        gettext_lazy("%(exhibit)s was written off and retired."),
    ),
}


@login_required
@require_POST
def missing_exhibit(request, pk, action):
    """Mark a missing exhibit found again, or write it off; the set's managers only."""
    exhibit = get_object_or_404(
        Exhibit.objects.filter(
            exhibition_set__in=ExhibitionSet.objects.visible_to(request.user)
        ).select_related("exhibition_set"),
        pk=pk,
    )
    service, done = MISSING_ACTIONS[action]
    try:
        service(by=request.user, exhibit=exhibit)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"exhibit": f"{exhibit.code} {exhibit.name}"})
    return redirect("exhibits:public-set", pk=exhibit.exhibition_set_id)
