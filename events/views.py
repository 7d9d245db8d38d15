"""Activity pages: the public feed and activity pages, the staff portal and the review queue.

Views stay thin: they pick objects through the scoping querysets (outside the scope is 404),
call a service, and turn its errors into form errors or messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.models import Campaign, Participation
from config.errors import DomainError
from facilities.roles import get_scope

from . import services
from .filters import FeedFilter
from .forms import ActivityChangeForm, ActivityReportForm, PhotoForm, RejectForm
from .images import InvalidImage
from .models import Activity, ActivityPhoto, ActivityStatus

FEED_PAGE_SIZE = 24
PORTAL_PAGE_SIZE = 50


def _page(request, queryset, size):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _apply_errors(form, error):
    """A service's ValidationError onto the form: field errors where the form has the field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def feed(request, slug=None):
    """Verified activities of public campaigns (of one when `slug` is given), newest first."""
    campaigns = Campaign.objects.public()
    campaign = get_object_or_404(campaigns, slug=slug) if slug else None
    activities = Activity.objects.verified().filter(campaign__in=campaigns)
    if campaign is not None:
        activities = activities.filter(campaign=campaign)
    activities = activities.with_photos().order_by("-starts_at", "-id")
    filterset = FeedFilter(request.GET or None, queryset=activities)
    page = _page(request, filterset.qs, FEED_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/feed.html",
        {
            "campaign": campaign,
            "filter_form": filterset.form,
            "page": page,
            "activities": page.object_list,
            "query": query.urlencode(),
            "scope": get_scope(request.user),
        },
    )


def detail(request, pk):
    """One activity: public once verified; before that only for its staff and reviewers."""
    activity = get_object_or_404(
        Activity.objects.visible_to(request.user)
        .with_photos()
        .prefetch_related(
            Prefetch(
                "flags_awarded",
                queryset=Participation.objects.filter(flag_awarded_at__isnull=False)
                .select_related("facility")
                .order_by("facility__name", "id"),
            )
        ),
        pk=pk,
    )
    scope = get_scope(request.user)
    is_staff = scope.belongs_to(activity.facility_id)
    can_review = activity.status == ActivityStatus.REPORTED and scope.covers_province(
        activity.facility.province_id
    )
    return render(
        request,
        "events/detail.html",
        {
            "activity": activity,
            "photos": activity.photos.all(),
            "can_edit": is_staff and activity.is_editable,
            "can_review": can_review,
            "photo_form": PhotoForm() if is_staff and activity.is_editable else None,
            "reject_form": RejectForm() if can_review else None,
        },
    )


@login_required
def mine(request):
    """Every report of the facilities the user works for, whatever its status."""
    activities = (
        Activity.objects.editable_by(request.user).with_photos().order_by("-created_at", "-id")
    )
    page = _page(request, activities, PORTAL_PAGE_SIZE)
    return render(
        request,
        "events/mine.html",
        {"page": page, "activities": page.object_list, "scope": get_scope(request.user)},
    )


@login_required
def report(request):
    scope = get_scope(request.user)
    if not scope.facility_ids:
        messages.error(request, _("Only the staff of a registered facility can report activities."))
        return redirect("events:feed")
    initial = {}
    campaign_slug = request.GET.get("campaign")
    if campaign_slug:
        initial["campaign"] = Campaign.objects.public().filter(slug=campaign_slug).first()
    form = ActivityReportForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.report_activity(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The activity was reported. Add its photos below."))
            return redirect("events:detail", pk=activity.pk)
    return render(request, "events/report_form.html", {"form": form, "activity": None})


@login_required
def edit(request, pk):
    activity = get_object_or_404(Activity.objects.editable_by(request.user), pk=pk)
    if not activity.is_editable:
        messages.error(request, _("A verified activity can no longer be changed."))
        return redirect("events:detail", pk=activity.pk)
    form = ActivityChangeForm(
        request.POST or None,
        initial=ActivityChangeForm.initial_from(activity),
        user=request.user,
        facility_ids=[activity.facility_id],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_activity(activity=activity, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("events:detail", pk=activity.pk)
        else:
            messages.success(request, _("The report was saved."))
            return redirect("events:detail", pk=activity.pk)
    return render(request, "events/report_form.html", {"form": form, "activity": activity})


@login_required
@require_POST
def add_photo(request, pk):
    activity = get_object_or_404(Activity.objects.editable_by(request.user), pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(activity=activity, by=request.user, **form.cleaned_data)
        except InvalidImage as error:
            form.add_error("image", error.message)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("events:detail", pk=activity.pk)
        else:
            messages.success(request, _("The photo was added."))
            return redirect("events:detail", pk=activity.pk)
    # Show the page again with the reason the photo was refused.
    activity = Activity.objects.with_photos().get(pk=activity.pk)
    return render(
        request,
        "events/detail.html",
        {
            "activity": activity,
            "photos": activity.photos.all(),
            "can_edit": True,
            "can_review": False,
            "photo_form": form,
            "reject_form": None,
        },
        status=400,
    )


@login_required
@require_POST
def remove_photo(request, pk):
    photo = get_object_or_404(
        ActivityPhoto.objects.select_related("activity").filter(
            activity__in=Activity.objects.editable_by(request.user)
        ),
        pk=pk,
    )
    try:
        services.remove_photo(photo=photo, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The photo was removed."))
    return redirect("events:detail", pk=photo.activity_id)


@login_required
def review_queue(request):
    """Reports waiting for review in the reviewer's scope, oldest first."""
    scope = get_scope(request.user)
    if not scope.is_reviewer:
        raise Http404
    activities = (
        Activity.objects.reviewable_by(request.user)
        .filter(status=ActivityStatus.REPORTED)
        .with_photos()
        .order_by("created_at", "id")
    )
    page = _page(request, activities, PORTAL_PAGE_SIZE)
    return render(
        request,
        "events/review_queue.html",
        {"page": page, "activities": page.object_list, "reject_form": RejectForm()},
    )


def _reviewable(request, pk):
    return get_object_or_404(Activity.objects.reviewable_by(request.user), pk=pk)


def _after_review(request, activity):
    target = request.POST.get("next")
    if target == "queue":
        return redirect("events:review")
    return redirect("events:detail", pk=activity.pk)


@login_required
@require_POST
def verify(request, pk):
    activity = _reviewable(request, pk)
    try:
        services.verify_activity(activity=activity, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(title)s” was verified.") % {"title": activity.title})
    return _after_review(request, activity)


@login_required
@require_POST
def reject(request, pk):
    activity = _reviewable(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the rejection."))
        return _after_review(request, activity)
    try:
        services.reject_activity(
            activity=activity, by=request.user, reason=form.cleaned_data["reason"]
        )
    except (DomainError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(request, _("“%(title)s” was rejected.") % {"title": activity.title})
    return _after_review(request, activity)
