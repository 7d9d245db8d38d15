"""Pages of offline bundles: the bundle list of the catalogue, the tracked download and, for
administrators, a new bundle."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.errors import DomainError
from facilities.roles import get_scope

from ..forms.bundles import BundleForm
from ..models import ResourceBundle
from ..services import bundles as bundle_services
from .distributions import PAGE_SIZE, admin_only


def bundle_list(request):
    """The offline bundles of the catalogue that the visitor may download."""
    bundles = (
        ResourceBundle.objects.downloadable_by(request.user)
        .select_related("campaign")
        .order_by("-built_at", "-id")
    )
    page = Paginator(bundles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/bundles/list.html",
        {"page_obj": page, "is_admin": get_scope(request.user).is_admin},
    )


def bundle_download(request, pk):
    """Record the download (channel `bundle`) and answer with the ZIP."""
    bundle = ResourceBundle.objects.downloadable_by(request.user).filter(pk=pk).first()
    if bundle is None:
        if bundle_services.bundle_needs_sign_in(request.user, pk):
            return redirect_to_login(request.get_full_path())
        raise Http404
    bundle_services.track_bundle_download(
        bundle_id=bundle.pk, user=request.user, remote_addr=request.META.get("REMOTE_ADDR")
    )
    return bundle_services.bundle_file_response(bundle)


@admin_only
def bundle_create(request):
    form = BundleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bundle = bundle_services.create_bundle(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The bundle “%(title)s” is being built; it appears here once ready.")
                % {"title": bundle.title},
            )
            return redirect(reverse("admin:resources_resourcebundle_change", args=[bundle.pk]))
    return render(request, "resources/bundles/create.html", {"form": form})
