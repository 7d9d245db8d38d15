"""Pages of bulk distributions: administrators start one, watch its progress and download
the skipped report."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from config.errors import DomainError
from config.spreadsheets import SafeCSVWriter
from facilities.models import FacilityKind
from facilities.roles import get_scope

from ..forms.distributions import DistributionForm
from ..models import Distribution, DistributionStatus
from ..services import distributions as services

PAGE_SIZE = 25
SKIP_PREVIEW = 20


def admin_only(view):
    """National administrators only: others are sent to sign in, or refused."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not get_scope(request.user).is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _distributions():
    return Distribution.objects.select_related("kit", "campaign", "province", "created_by").defer(
        "targets"
    )


def progress_data(distribution):
    """What the progress bar polls: the counters and where the distribution stands."""
    total = distribution.total
    return {
        "id": distribution.pk,
        "status": distribution.status,
        "status_label": distribution.get_status_display(),
        "total": total,
        "processed": distribution.processed,
        "allocated": distribution.allocated,
        "skipped": distribution.skipped,
        "percent": round(100 * distribution.processed / total) if total else 0,
        "finished": distribution.status in (DistributionStatus.DONE, DistributionStatus.FAILED),
        "error": distribution.error,
    }


@admin_only
def distribution_list(request):
    page = Paginator(_distributions().order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "resources/distributions/list.html", {"page_obj": page})


@admin_only
def distribution_start(request):
    form = DistributionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            distribution = services.start_distribution(
                by=request.user,
                kit=data["kit"],
                quantity_per_facility=data["quantity_per_facility"],
                campaign=data["campaign"],
                province=data["province"],
                kind=data["kind"],
                facility_labels=data["facility_labels"],
                allow_partial=data["allow_partial"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The distribution has started."))
            return redirect("distributions:detail", pk=distribution.pk)
    return render(request, "resources/distributions/start.html", {"form": form})


@admin_only
def distribution_detail(request, pk):
    distribution = get_object_or_404(_distributions(), pk=pk)
    skips = (
        distribution.skips.select_related("facility").order_by("id")[:SKIP_PREVIEW]
        if distribution.skipped
        else []
    )
    return render(
        request,
        "resources/distributions/detail.html",
        {
            "distribution": distribution,
            "kind_label": FacilityKind(distribution.kind).label if distribution.kind else "",
            "progress": progress_data(distribution),
            "skips": skips,
            "skip_preview": SKIP_PREVIEW,
        },
    )


@admin_only
def distribution_progress(request, pk):
    distribution = get_object_or_404(
        Distribution.objects.only(
            "id", "status", "total", "processed", "allocated", "skipped", "error"
        ),
        pk=pk,
    )
    response = JsonResponse(progress_data(distribution))
    response["Cache-Control"] = "no-store"
    return response


class _Echo:
    """CSV writer target that hands each written row back instead of storing it."""

    def write(self, value):
        return value


@admin_only
def skipped_csv(request, pk):
    """Every skipped facility with its reason, streamed (UTF-8 with BOM for Excel)."""
    distribution = get_object_or_404(Distribution.objects.only("id"), pk=pk)
    writer = SafeCSVWriter(_Echo())  # facility labels come from an uploaded list

    def rows():
        yield "\ufeff"
        for row in services.skipped_report_rows(distribution):
            yield writer.writerow(row)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="distribution-{distribution.pk}-skipped.csv"'
    )
    return response
