"""Pages of provincial allotments (a kit's table for administrators, the provinces' own for
coordinators) and of receipt discrepancies. Every change goes through services.allotments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from facilities.roles import get_scope

from ..forms.allotments import AllotForm, AllotmentQuantityForm, MoveForm, ResolveForm
from ..models import Allotment, Discrepancy, DiscrepancyStatus, Kit
from ..services import allotments as services


def _require_reviewer(user):
    if not get_scope(user).is_reviewer:
        raise PermissionDenied


def _report_form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
def kit_allotments(request, pk):
    """A kit's allotments with used and left per province; administrators change them."""
    _require_reviewer(request.user)
    kit = get_object_or_404(Kit, pk=pk)
    table = services.allotment_table(kit)
    visible = set(Allotment.objects.visible_to(request.user).values_list("pk", flat=True))
    table["rows"] = [row for row in table["rows"] if row.pk in visible]
    return render(
        request,
        "resources/allotments/kit_allotments.html",
        {
            **table,
            "is_admin": get_scope(request.user).is_admin,
            "allot_form": AllotForm(),
            "move_form": MoveForm(),
        },
    )


def _admin_action(request, pk, form_class, call, success):
    kit = get_object_or_404(Kit, pk=pk)
    if not get_scope(request.user).is_admin:
        raise PermissionDenied
    form = form_class(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
    else:
        try:
            call(kit, form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, success)
    return redirect("allotments:kit", pk=kit.pk)


@require_POST
@login_required
def allot(request, pk):
    return _admin_action(
        request,
        pk,
        AllotForm,
        lambda kit, data: services.allot(
            kit=kit, province=data["province"], quantity=data["quantity"], by=request.user
        ),
        _("Allotment saved."),
    )


@require_POST
@login_required
def move(request, pk):
    return _admin_action(
        request,
        pk,
        MoveForm,
        lambda kit, data: services.move_allotment(
            kit=kit,
            from_province=data["from_province"],
            to_province=data["to_province"],
            quantity=data["quantity"],
            by=request.user,
        ),
        _("Units moved."),
    )


@require_POST
@login_required
def change(request, pk, allotment_pk):
    allotment = get_object_or_404(
        Allotment.objects.visible_to(request.user), pk=allotment_pk, kit_id=pk
    )
    return _admin_action(
        request,
        pk,
        AllotmentQuantityForm,
        lambda kit, data: services.set_allotment(
            allotment=allotment, quantity=data["quantity"], by=request.user
        ),
        _("Allotment changed."),
    )


@login_required
def my_allotments(request):
    """Every allotment the user may see: coordinators their provinces', admins all."""
    _require_reviewer(request.user)
    rows = (
        Allotment.objects.visible_to(request.user)
        .select_related("kit", "province")
        .order_by("province_id", "kit__code", "id")
    )
    return render(
        request,
        "resources/allotments/my_allotments.html",
        {"page_obj": Paginator(rows, 100).get_page(request.GET.get("page"))},
    )


@login_required
def discrepancies(request):
    _require_reviewer(request.user)
    status = request.GET.get("status") or DiscrepancyStatus.OPEN
    if status not in DiscrepancyStatus.values:
        status = DiscrepancyStatus.OPEN
    rows = (
        Discrepancy.objects.visible_to(request.user)
        .filter(status=status)
        .select_related("kit_request__kit", "kit_request__facility__province", "replacement")
        .order_by("-opened_at", "-id")
    )
    return render(
        request,
        "resources/allotments/discrepancies.html",
        {
            "page_obj": Paginator(rows, 50).get_page(request.GET.get("page")),
            "status": status,
            "is_admin": get_scope(request.user).is_admin,
            "resolve_form": ResolveForm(),
        },
    )


@require_POST
@login_required
def resolve(request, pk):
    discrepancy = get_object_or_404(Discrepancy.objects.visible_to(request.user), pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        _report_form_errors(request, form)
    else:
        try:
            services.resolve_discrepancy(
                discrepancy=discrepancy,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Discrepancy #%(id)d resolved.") % {"id": discrepancy.pk})
    return redirect("kits:request-detail", pk=discrepancy.kit_request_id)
