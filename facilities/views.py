"""Portal pages: accounts, facility registration, the facility page, staff, review."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.models import Campaign, CampaignStatus, Participation
from config.errors import DomainError
from config.spreadsheets import EXPORT_FORMATS, export_response

from . import services
from .forms import (
    DecisionForm,
    FacilityForm,
    FacilityReviewFilterForm,
    RejectForm,
    SignUpForm,
    StaffForm,
)
from .imports import FacilityExportResource
from .models import Facility, FacilityStatus, Membership
from .roles import get_scope


def _safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def signup(request):
    """Create an account and sign in; the next step is registering the facility."""
    if request.user.is_authenticated:
        return redirect("facility-mine")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = form.save()
        except ValidationError as exc:  # the same name signed up a moment ago
            form.add_account_errors(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome! Your account is ready; now register your facility.")
            )
            return redirect(_safe_next(request, reverse("facility-register")))
    return render(request, "accounts/signup.html", {"form": form, "next": request.GET.get("next")})


def _facility_form_for_refresh(request):
    """An unbound form showing what was typed, so choosing a province without JavaScript can
    reload the page with the prefectures to pick from (no errors shown yet)."""
    data = request.POST
    codes = [data.get(f"region_{level}") for level in ("province", "prefecture", "county")]
    region = next((code for code in reversed(codes) if code), None)
    initial = {name: data.get(name, "") for name in FacilityForm.Meta.fields if name != "region"}
    initial["region"] = region
    return FacilityForm(initial=initial)


@login_required
def facility_register(request):
    if not services.can_register_facility(request.user):
        messages.info(request, _("Your account already belongs to a facility."))
        return redirect("facility-mine")
    if request.method == "POST" and "_refresh_regions" in request.POST:
        form = _facility_form_for_refresh(request)
    else:
        form = FacilityForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                facility = services.register_facility(
                    user=request.user,
                    **{name: form.cleaned_data[name] for name in FacilityForm.Meta.fields},
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your facility is registered and waits for approval by the coordinator "
                        "of your province; you will receive an e-mail."
                    ),
                )
                return redirect("facility-detail", pk=facility.pk)
    return render(request, "facilities/register.html", {"form": form})


@login_required
def facility_mine(request):
    facilities = list(
        Facility.objects.filter(memberships__user=request.user)
        .select_related("region", "province")
        .order_by("name", "id")
    )
    if not facilities:
        # Coordinators and administrators work on others' facilities: their list, not sign-up.
        if get_scope(request.user).is_reviewer:
            return redirect("facility-review")
        return redirect("facility-register")
    if len(facilities) == 1:
        return redirect("facility-detail", pk=facilities[0].pk)
    return render(request, "facilities/mine.html", {"facilities": facilities})


def facility_detail(request, pk):
    facility = get_object_or_404(
        Facility.objects.visible_to(request.user).select_related(
            "region__parent__parent", "province", "parent", "decided_by"
        ),
        pk=pk,
    )
    scope = get_scope(request.user)
    is_member = scope.belongs_to(facility.pk)
    may_see_private = is_member or scope.covers_province(facility.province_id)
    context = {
        "facility": facility,
        "scope": scope,
        "is_member": is_member,
        "may_see_private": may_see_private,
        "can_edit": services.can_edit_facility(request.user, facility),
        "can_manage_staff": services.can_manage_staff(request.user, facility),
        "can_decide": services.can_decide_facility(request.user, facility),
        "participations": Participation.objects.visible_to(request.user)
        .filter(facility=facility)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "id"),
    }
    if may_see_private:
        context["memberships"] = (
            Membership.objects.filter(facility=facility)
            .select_related("user")
            .order_by("role", "user__username")
        )
    if context["can_manage_staff"]:
        context["staff_form"] = StaffForm()
    if context["can_decide"]:
        context["decision_form"] = DecisionForm()
        context["reject_form"] = RejectForm(auto_id="id_reject_%s")
    if is_member and facility.status == FacilityStatus.APPROVED:
        joined = facility.participations.values_list("campaign_id", flat=True)
        context["open_campaigns"] = Campaign.objects.filter(status=CampaignStatus.ACTIVE).exclude(
            pk__in=joined
        )
    return render(request, "facilities/detail.html", context)


@login_required
def facility_edit(request, pk):
    facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)
    if not services.can_edit_facility(request.user, facility):
        raise PermissionDenied
    can_change_identity = (
        facility.status == FacilityStatus.PENDING or get_scope(request.user).is_admin
    )
    form = FacilityForm(
        request.POST or None, instance=facility, can_change_identity=can_change_identity
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_facility(facility=facility, by=request.user, **changes)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The facility's details are saved."))
            return redirect("facility-detail", pk=facility.pk)
    return render(request, "facilities/edit.html", {"form": form, "facility": facility})


@login_required
@require_POST
def staff_add(request, pk):
    facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)
    if not services.can_manage_staff(request.user, facility):
        raise PermissionDenied
    form = StaffForm(request.POST)
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            if user is not None:
                services.add_staff(
                    facility=facility, user=user, by=request.user, role=form.cleaned_data["role"]
                )
                messages.success(
                    request,
                    _("%(user)s now works for %(facility)s.")
                    % {"user": user.get_username(), "facility": facility.name},
                )
            else:
                email = form.cleaned_data["identifier"].strip()
                services.invite_staff(
                    facility=facility,
                    email=email,
                    by=request.user,
                    site_url=request.build_absolute_uri("/"),
                )
                messages.success(
                    request, _("An invitation was sent to %(email)s.") % {"email": email}
                )
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("facility-detail", pk=facility.pk)


@login_required
@require_POST
def staff_remove(request, pk, membership_pk):
    facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "facility"), pk=membership_pk, facility=facility
    )
    try:
        services.remove_staff(membership=membership, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(user)s no longer works for this facility.")
            % {"user": membership.user.get_username()},
        )
    if membership.user_id == request.user.pk and not get_scope(request.user).is_admin:
        return redirect("home")
    return redirect("facility-detail", pk=facility.pk)


@login_required
def facility_join(request, token):
    """The page an invitation link opens: confirm joining the facility."""
    try:
        facility, email = services.read_invitation_token(token)
    except DomainError as exc:
        return render(request, "facilities/join.html", {"error": exc.message}, status=400)
    if request.method == "POST":
        try:
            services.accept_invitation(token=token, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("You now work for %(facility)s.") % {"facility": facility.name}
            )
            return redirect("facility-detail", pk=facility.pk)
    return render(request, "facilities/join.html", {"facility": facility, "email": email})


def _reviewable_facilities(request):
    scope = get_scope(request.user)
    if not scope.is_reviewer:
        raise PermissionDenied
    form = FacilityReviewFilterForm(request.GET or {"status": FacilityStatus.PENDING})
    queryset = Facility.objects.managed_by(request.user).select_related("region", "province")
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            queryset = queryset.filter(Q(name__icontains=q) | Q(region__name__icontains=q))
    return form, queryset.order_by("province_id", "name", "id")


@login_required
def facility_review(request):
    """Facilities an administrator or coordinator decides on; pending ones first by default."""
    form, queryset = _reviewable_facilities(request)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "facilities/review.html",
        {
            "form": form,
            "page_obj": page,
            "facilities": page.object_list,
            "decision_form": DecisionForm(),
            "reject_form": RejectForm(),
            "export_formats": EXPORT_FORMATS,
        },
    )


@login_required
def facility_export(request, file_format):
    """The reviewer's facilities (same filters as the review page) as CSV or XLSX."""
    if file_format not in EXPORT_FORMATS:
        raise PermissionDenied
    _form, queryset = _reviewable_facilities(request)
    return export_response(FacilityExportResource(), queryset, file_format, "facilities")


DECISIONS = {
    "approve": services.approve_facility,
    "suspend": services.suspend_facility,
    "reject": services.reject_facility,
}


@login_required
@require_POST
def facility_decide(request, pk, decision):
    facility = get_object_or_404(Facility.objects.visible_to(request.user), pk=pk)
    service = DECISIONS.get(decision)
    if service is None:
        raise PermissionDenied
    if decision == "reject":
        form = RejectForm(request.POST)
        # A missing reason is refused by the service, with its message.
        arguments = {"reason": form.cleaned_data["reason"] if form.is_valid() else ""}
    else:
        form = DecisionForm(request.POST)
        arguments = {"note": form.cleaned_data["note"] if form.is_valid() else ""}
    try:
        facility = service(facility=facility, by=request.user, **arguments)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(facility)s is now %(status)s.")
            % {"facility": facility.name, "status": facility.get_status_display()},
        )
    return redirect(_safe_next(request, reverse("facility-detail", args=[facility.pk])))
