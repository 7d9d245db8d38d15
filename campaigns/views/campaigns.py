"""Campaign pages: the public campaign page, applying, and the administrators' pages."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.errors import DomainError
from config.spreadsheets import EXPORT_FORMATS, export_response
from facilities.models import Facility, FacilityStatus
from facilities.roles import get_scope

from .. import services
from ..exports import ParticipationExportResource
from ..forms import ApplyForm, AwardFlagForm, CampaignForm, ParticipantFilterForm
from ..models import Campaign, CampaignStatus, Participation, ParticipationStatus


def campaign_list(request):
    campaigns = Campaign.objects.visible_to(request.user).order_by("-starts_on", "-id")
    page = Paginator(campaigns, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/list.html",
        {
            "page_obj": page,
            "campaigns": page.object_list,
            "can_create": get_scope(request.user).is_admin,
        },
    )


def _applicable_facilities(user, campaign):
    """The user's approved facilities that have not applied (or have withdrawn)."""
    scope = get_scope(user)
    if not scope.facility_ids:
        return Facility.objects.none()
    taken = Participation.objects.filter(campaign=campaign).exclude(
        status=ParticipationStatus.WITHDRAWN
    )
    return (
        Facility.objects.filter(pk__in=scope.facility_ids, status=FacilityStatus.APPROVED)
        .exclude(pk__in=taken.values("facility_id"))
        .order_by("name", "id")
    )


def campaign_detail(request, slug):
    """The public page: the campaign, live figures, participants by province, flag recipients."""
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
    scope = get_scope(request.user)
    approved = list(
        campaign.participations.filter(status=ParticipationStatus.APPROVED)
        .select_related("facility__province", "flag_ceremony")
        .order_by("facility__province_id", "facility__name", "id")
    )
    by_province = [
        (province, list(rows))
        for province, rows in groupby(approved, key=lambda p: p.facility.province)
    ]
    flag_recipients = sorted(
        (p for p in approved if p.flag_awarded_at),
        key=lambda p: (p.flag_awarded_at, p.facility.province_id, p.facility.name),
    )
    context = {
        "campaign": campaign,
        "scope": scope,
        "participants_by_province": by_province,
        "participant_count": len(approved),
        "flag_recipients": flag_recipients,
        "is_admin": scope.is_admin,
    }
    if scope.facility_ids:
        context["my_participations"] = (
            campaign.participations.filter(facility_id__in=scope.facility_ids)
            .select_related("facility")
            .order_by("facility__name")
        )
        facilities = _applicable_facilities(request.user, campaign)
        if campaign.status == CampaignStatus.ACTIVE and facilities.exists():
            context["apply_form"] = ApplyForm(facilities=facilities)
    return render(request, "campaigns/detail.html", context)


@login_required
@require_POST
def campaign_apply(request, slug):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
    form = ApplyForm(request.POST, facilities=_applicable_facilities(request.user, campaign))
    if not form.is_valid():
        messages.error(request, _("Choose one of your approved facilities that has not applied."))
        return redirect("campaign-detail", slug=slug)
    try:
        services.apply_to_campaign(
            campaign=campaign, facility=form.cleaned_data["facility"], by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(facility)s has applied to take part; an administrator will review it.")
            % {"facility": form.cleaned_data["facility"].name},
        )
    return redirect("campaign-detail", slug=slug)


def _require_admin(request):
    if not get_scope(request.user).is_admin:
        raise PermissionDenied


@login_required
def campaign_create(request):
    _require_admin(request)
    return _campaign_form(request, Campaign())


@login_required
def campaign_edit(request, slug):
    _require_admin(request)
    return _campaign_form(request, get_object_or_404(Campaign, slug=slug))


def _campaign_form(request, campaign):
    form = CampaignForm(request.POST or None, request.FILES or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.save_campaign(campaign=form.save(commit=False), by=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect("campaign-detail", slug=campaign.slug)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


def _participants(request, campaign):
    """The reviewer's participants (a coordinator's provinces only), for the page and exports."""
    form = ParticipantFilterForm(request.GET)
    queryset = (
        Participation.objects.managed_by(request.user)
        .filter(campaign=campaign)
        .select_related("facility__province", "flag_ceremony", "campaign")
    )
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            queryset = queryset.filter(
                Q(facility__name__icontains=q) | Q(facility__province__name__icontains=q)
            )
    return form, queryset.order_by("facility__province_id", "facility__name", "id")


@login_required
def campaign_participants(request, slug):
    """Administrators approve applications and award flags; coordinators follow their province."""
    scope = get_scope(request.user)
    if not scope.is_reviewer:
        raise PermissionDenied
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
    form, queryset = _participants(request, campaign)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/participants.html",
        {
            "campaign": campaign,
            "form": form,
            "page_obj": page,
            "participations": page.object_list,
            "is_admin": scope.is_admin,
            "ceremonies": list(AwardFlagForm(campaign=campaign).fields["ceremony"].queryset)
            if scope.is_admin
            else [],
            "export_formats": EXPORT_FORMATS,
        },
    )


@login_required
def participants_export(request, slug, file_format):
    if not get_scope(request.user).is_reviewer or file_format not in EXPORT_FORMATS:
        raise PermissionDenied
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), slug=slug)
    _form, queryset = _participants(request, campaign)
    return export_response(
        ParticipationExportResource(), queryset, file_format, f"participations-{campaign.slug}"
    )


@login_required
@require_POST
def participation_action(request, pk, action):
    participation = get_object_or_404(
        Participation.objects.visible_to(request.user).select_related("campaign", "facility"),
        pk=pk,
    )
    try:
        if action == "approve":
            services.approve_participation(participation=participation, by=request.user)
            done = _("%(facility)s takes part in the campaign.")
        elif action == "withdraw":
            services.withdraw_participation(participation=participation, by=request.user)
            done = _("The participation of %(facility)s is withdrawn.")
        elif action == "award-flag":
            form = AwardFlagForm(request.POST, campaign=participation.campaign)
            if not form.is_valid():
                raise DomainError(_("Check the ceremony and the date of the award."))
            services.award_flag(
                participation=participation,
                by=request.user,
                ceremony=form.cleaned_data["ceremony"],
                awarded_at=form.cleaned_data["awarded_at"],
            )
            done = _("%(facility)s received the joint-action flag.")
        else:
            raise PermissionDenied
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done % {"facility": participation.facility.name})
    target = request.POST.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("campaign-participants", slug=participation.campaign.slug)
