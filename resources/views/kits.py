"""Pages of physical kits: the catalogue, the request form, "my requests", the request page
with its timeline, and the review queue of coordinators and administrators."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Prefetch, Q, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from facilities.roles import get_scope

from ..filters.kits import KitFilter
from ..forms.allotments import ReceiveForm, ResolveForm
from ..forms.kits import KitRequestForm, NoteForm, RejectForm, ShipForm, StatusFilterForm
from ..models import (
    Discrepancy,
    DiscrepancyStatus,
    Kit,
    KitRequest,
    KitRequestStatus,
    KitRequestTransition,
)
from ..services import kits as services
from ..services.allotments import is_overdue

PAGE_SIZE = 24


def _page(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def catalogue(request):
    kit_filter = KitFilter(
        request.GET, queryset=Kit.objects.select_related("campaign").order_by("code", "id")
    )
    return render(
        request,
        "resources/kits/catalogue.html",
        {
            "page_obj": _page(request, kit_filter.qs),
            "q": request.GET.get("q", ""),
        },
    )


def kit_detail(request, pk):
    """The kit with its contents and, for staff of an approved facility, the request form."""
    kit = get_object_or_404(Kit.objects.select_related("campaign"), pk=pk)
    form = None
    if request.user.is_authenticated and get_scope(request.user).facility_ids:
        form = KitRequestForm(request.POST or None, kit=kit, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                kit_request = services.submit_request(
                    kit=kit,
                    facility=form.cleaned_data["facility"],
                    quantity=form.cleaned_data["quantity"],
                    purpose=form.cleaned_data["purpose"],
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your request has been submitted."))
                return redirect("kits:request-detail", pk=kit_request.pk)
    elif request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    return render(request, "resources/kits/kit_detail.html", {"kit": kit, "form": form})


def _status_filtered(request, queryset):
    status_form = StatusFilterForm(request.GET or None)
    status = ""
    if status_form.is_valid():
        status = status_form.cleaned_data["status"]
    if status:
        queryset = queryset.filter(status=status)
    return queryset, status


def _status_tabs(current):
    return [{"code": "", "label": _("All"), "current": current == ""}] + [
        {"code": code, "label": label, "current": current == code}
        for code, label in KitRequestStatus.choices
    ]


@login_required
def my_requests(request):
    """Requests of the facilities the user works for, filtered by status."""
    scope = get_scope(request.user)
    queryset = (
        KitRequest.objects.visible_to(request.user)
        .filter(facility_id__in=scope.facility_ids)
        .select_related("kit", "facility")
        .order_by("-created_at", "-id")
    )
    queryset, status = _status_filtered(request, queryset)
    return render(
        request,
        "resources/kits/my_requests.html",
        {
            "page_obj": _page(request, queryset),
            "status": status,
            "tabs": _status_tabs(status),
            "has_facility": bool(scope.facility_ids),
        },
    )


@login_required
def review_queue(request):
    """Submitted requests to approve or reject in place; approved ones to ship."""
    if not get_scope(request.user).is_reviewer:
        raise PermissionDenied
    status = request.GET.get("status") or KitRequestStatus.SUBMITTED
    if status not in (KitRequestStatus.SUBMITTED, KitRequestStatus.APPROVED):
        status = KitRequestStatus.SUBMITTED
    queryset = (
        KitRequest.objects.reviewable_by(request.user)
        .filter(status=status)
        .select_related("kit", "facility", "facility__province")
        .order_by("created_at", "id")
    )
    return render(
        request,
        "resources/kits/review_queue.html",
        {
            "page_obj": _page(request, queryset, per_page=50),
            "status": status,
            "reject_form": RejectForm(),
            "ship_form": ShipForm(),
        },
    )


@login_required
def request_detail(request, pk):
    kit_request = get_object_or_404(
        KitRequest.objects.visible_to(request.user)
        .select_related("kit", "facility", "created_by")
        .prefetch_related(
            Prefetch(
                "transitions",
                queryset=KitRequestTransition.objects.select_related("by").order_by("at", "id"),
            )
        ),
        pk=pk,
    )
    user = request.user
    S = KitRequestStatus
    can_review = services.can_review(user, kit_request)
    # Who may act (the service's permission checks) and whether the workflow allows it now.
    allowed = {
        "approve": (can_review, S.APPROVED),
        "reject": (can_review, S.REJECTED),
        "ship": (can_review, S.SHIPPED),
        "receive": (services.can_receive(user, kit_request), S.RECEIVED),
        "cancel": (services.can_cancel(user, kit_request), S.CANCELLED),
    }
    actions = {
        name: may and services.can_transition(kit_request, to_status)
        for name, (may, to_status) in allowed.items()
    }
    # Its own discrepancy first; else the one it is the replacement for.
    discrepancy = (
        Discrepancy.objects.filter(Q(kit_request=kit_request) | Q(replacement=kit_request))
        .order_by(Case(When(kit_request=kit_request, then=0), default=1), "pk")
        .first()
    )
    return render(
        request,
        "resources/kits/request_detail.html",
        {
            "kit_request": kit_request,
            "transitions": kit_request.transitions.all(),
            "actions": actions,
            "reject_form": RejectForm(),
            "ship_form": ShipForm(),
            "note_form": NoteForm(),
            "receive_form": ReceiveForm(),
            "overdue": is_overdue(kit_request),
            "discrepancy": discrepancy,
            "can_resolve": bool(
                discrepancy
                and discrepancy.kit_request_id == kit_request.pk
                and discrepancy.status == DiscrepancyStatus.OPEN
                and get_scope(user).is_admin
            ),
            "resolve_form": ResolveForm(),
        },
    )


def _approve(kit_request, user, data):
    return services.approve_request(kit_request=kit_request, by=user, note=data["note"])


def _reject(kit_request, user, data):
    return services.reject_request(kit_request=kit_request, by=user, reason=data["reason"])


def _ship(kit_request, user, data):
    return services.ship_request(
        kit_request=kit_request,
        by=user,
        carrier=data["carrier"],
        tracking_number=data["tracking_number"],
        note=data["note"],
    )


def _receive(kit_request, user, data):
    return services.receive_request(
        kit_request=kit_request,
        by=user,
        note=data["note"],
        condition=data["condition"],
        quantity_received=data["quantity_received"],
        quantity_damaged=data["quantity_damaged"],
        photo=data.get("photo"),
    )


def _cancel(kit_request, user, data):
    return services.cancel_request(kit_request=kit_request, by=user, note=data["note"])


# action name → (form, service call, success message)
ACTIONS = {
    "approve": (NoteForm, _approve, lambda: _("Request #%(id)d approved.")),
    "reject": (RejectForm, _reject, lambda: _("Request #%(id)d rejected.")),
    "ship": (ShipForm, _ship, lambda: _("Request #%(id)d marked as shipped.")),
    "receive": (ReceiveForm, _receive, lambda: _("Receipt of request #%(id)d confirmed.")),
    "cancel": (NoteForm, _cancel, lambda: _("Request #%(id)d cancelled.")),
}


@require_POST
@login_required
def request_action(request, pk, action):
    """One workflow step from a page; errors come back as messages on the page we came from."""
    kit_request = get_object_or_404(KitRequest.objects.visible_to(request.user), pk=pk)
    form_class, call, success = ACTIONS[action]
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            call(kit_request, request.user, form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, success() % {"id": kit_request.pk})
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("kits:request-detail", pk=kit_request.pk)
