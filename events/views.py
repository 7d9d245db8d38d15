"""Activity pages: the public feed and activity pages, the staff portal and the review queue.

Views stay thin: they pick objects through the scoping querysets (outside the scope is 404),
call a service, and turn its errors into form errors or messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from campaigns.models import Campaign, Participation
from config.errors import DomainError, InvalidFields, NotAllowed
from facilities.roles import get_scope

from . import services
from .filters import FeedFilter
from .forms import (
    ActivityChangeForm,
    ActivityReportForm,
    AttendanceForm,
    PhotoForm,
    RejectForm,
    StopPlanForm,
    TripPlanForm,
    TripReportForm,
)
from .models import (
    Activity,
    ActivityPhoto,
    ActivityStatus,
    CaravanTrip,
    CaravanTripStatus,
    TourStop,
    TourStopStatus,
)

FEED_PAGE_SIZE = 24
PORTAL_PAGE_SIZE = 50


def _page(request, queryset, size):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _apply_errors(form, error):
    """A service's refusal onto the form: each message next to its field when the form has
    that field, at the top otherwise."""
    for field, errors in error.messages_by_field().items():
        form.add_error(field if field in form.fields else None, errors)


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
    return render(
        request,
        "events/feed.html",
        {
            "campaign": campaign,
            "filter_form": filterset.form,
            "page": page,
            "activities": page.object_list,
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


def _refreshed_form(form_class, request, **kwargs):
    """An unbound form showing what was typed, so that choosing a province without JavaScript
    reloads the page with its prefectures to pick from (no errors shown yet)."""
    data = request.POST
    codes = [data.get(f"region_{level}") for level in ("province", "prefecture", "county")]
    initial = {name: data.get(name, "") for name in form_class.base_fields if name != "region"}
    initial["region"] = next((code for code in reversed(codes) if code), None)
    return form_class(initial=initial, **kwargs)


def _wants_region_refresh(request):
    return request.method == "POST" and "_refresh_regions" in request.POST


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
    if _wants_region_refresh(request):
        form = _refreshed_form(ActivityReportForm, request, user=request.user)
    else:
        form = ActivityReportForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            activity = services.report_activity(by=request.user, **form.cleaned_data)
        except DomainError as error:  # e.g. the month is frozen by its submitted report
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
    form_kwargs = {"user": request.user, "facility_ids": [activity.facility_id]}
    if _wants_region_refresh(request):
        form = _refreshed_form(ActivityChangeForm, request, **form_kwargs)
    else:
        form = ActivityChangeForm(
            request.POST or None, initial=ActivityChangeForm.initial_from(activity), **form_kwargs
        )
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.update_activity(activity=activity, by=request.user, **form.cleaned_data)
        except DomainError as error:
            if not isinstance(error, InvalidFields):  # the report cannot be changed now
                messages.error(request, error.message)
                return redirect("events:detail", pk=activity.pk)
            _apply_errors(form, error)
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
        except DomainError as error:
            if getattr(error, "field", None) != "image":  # not the photo: the report's state
                messages.error(request, error.message)
                return redirect("events:detail", pk=activity.pk)
            _apply_errors(form, error)
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
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(title)s” was rejected.") % {"title": activity.title})
    return _after_review(request, activity)


# ---------------------------------------------------------------------------
# Field work: where the mobile museums are, stop pages, caravan trips
# ---------------------------------------------------------------------------

STOP_ACTIONS = {
    "open": (services.open_stop, _lazy("The stop is open.")),
    "close": (services.close_stop, _lazy("The stop is closed.")),
    "cancel": (services.cancel_stop, _lazy("The stop was cancelled.")),
}
TRIP_ACTIONS = {
    "approve": (services.approve_trip, _lazy("The trip was approved.")),
    "cancel": (services.cancel_trip, _lazy("The trip was cancelled.")),
}


def field_now(request):
    """Every open stop and the planned ones to come, by province, for everyone."""
    today = timezone.localdate()
    stops = (
        TourStop.objects.visible_to(request.user)
        .filter(
            Q(status=TourStopStatus.OPEN) | Q(status=TourStopStatus.PLANNED, ends_on__gte=today)
        )
        .select_related("exhibition_set__operator", "region", "province")
        .order_by("province_id", "status", "starts_on", "id")  # open before planned
    )
    return render(
        request,
        "events/field_now.html",
        {"stops": stops, "today": today, "scope": get_scope(request.user)},
    )


def stop_detail(request, pk):
    """A stop and its attendance so far; the set's managers and the host's staff act here."""
    from resources.services.exhibits import can_manage_set

    stop = get_object_or_404(
        TourStop.objects.visible_to(request.user).select_related(
            "exhibition_set__operator", "region", "province", "host", "campaign"
        ),
        pk=pk,
    )
    attendance = list(stop.attendance.order_by("-date", "-id"))
    can_manage = request.user.is_authenticated and can_manage_set(request.user, stop.exhibition_set)
    can_record = (
        request.user.is_authenticated
        and stop.takes_attendance
        and services.can_record_attendance(request.user, stop)
    )
    form = AttendanceForm(initial={"date": timezone.localdate()}) if can_record else None
    return _render_stop(request, stop, attendance, can_manage, form)


def _render_stop(request, stop, attendance, can_manage, form, status=200):
    return render(
        request,
        "events/stop_detail.html",
        {
            "stop": stop,
            "attendance": attendance,
            "can_manage": can_manage,
            "attendance_form": form,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def stop_action(request, pk, action):
    stop = get_object_or_404(TourStop.objects.visible_to(request.user), pk=pk)
    function, done = STOP_ACTIONS[action]
    try:
        function(by=request.user, stop=stop)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("events:stop", pk=stop.pk)


@login_required
@require_POST
def stop_attendance(request, pk):
    from resources.services.exhibits import can_manage_set

    stop = get_object_or_404(
        TourStop.objects.visible_to(request.user).select_related(
            "exhibition_set__operator", "region", "province", "host", "campaign"
        ),
        pk=pk,
    )
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            entry = services.record_attendance(
                by=request.user,
                stop=stop,
                date=form.cleaned_data["date"],
                visitors=form.cleaned_data["visitors"],
                school_groups=form.cleaned_data.get("school_groups") or 0,
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(visitors)s visitors recorded for %(date)s.")
                % {"visitors": entry.visitors, "date": entry.date},
            )
            return redirect("events:stop", pk=stop.pk)
    attendance = list(stop.attendance.order_by("-date", "-id"))
    can_manage = can_manage_set(request.user, stop.exhibition_set)
    return _render_stop(request, stop, attendance, can_manage, form, status=400)


@login_required
def plan_stop(request, set_pk):
    """The set's managers plan a stop; others who can see the set are refused (403)."""
    from resources.models import ExhibitionSet
    from resources.services.exhibits import can_manage_set

    exhibition_set = get_object_or_404(
        ExhibitionSet.objects.visible_to(request.user).select_related("operator"), pk=set_pk
    )
    if not can_manage_set(request.user, exhibition_set):
        raise PermissionDenied
    # ?region=<code> prefills the county, as the set page's "plan a stop here" links do.
    initial = {"region": request.GET["region"]} if "region" in request.GET else {}
    form_kwargs = {"province_code": exhibition_set.operator.province_id}
    if _wants_region_refresh(request):
        form = _refreshed_form(StopPlanForm, request, **form_kwargs)
    else:
        form = StopPlanForm(request.POST or None, initial=initial, **form_kwargs)
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            stop = services.plan_stop(
                by=request.user, exhibition_set=exhibition_set, **form.cleaned_data
            )
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The stop is planned."))
            return redirect("events:stop", pk=stop.pk)
    return render(
        request, "events/stop_plan.html", {"form": form, "exhibition_set": exhibition_set}
    )


@login_required
def my_trips(request):
    """The trips of the caravans the user works for, newest first."""
    scope = get_scope(request.user)
    trips = (
        CaravanTrip.objects.of_staff(request.user)
        .select_related("facility", "region")
        .order_by("-starts_on", "-id")
    )
    page = _page(request, trips, PORTAL_PAGE_SIZE)
    return render(
        request,
        "events/trips_mine.html",
        {"page": page, "trips": page.object_list, "scope": scope},
    )


@login_required
def plan_trip(request):
    if _wants_region_refresh(request):
        form = _refreshed_form(TripPlanForm, request, user=request.user)
    else:
        form = TripPlanForm(request.POST or None, user=request.user)
    if not form.fields["facility"].queryset.exists():
        messages.error(request, _("Only the staff of an approved caravan can plan trips."))
        return redirect("events:trips")
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            trip = services.plan_trip(by=request.user, **form.cleaned_data)
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The trip is planned; the province will review it."))
            return redirect("events:trip", pk=trip.pk)
    return render(request, "events/trip_form.html", {"form": form, "trip": None})


def trip_detail(request, pk):
    trip = get_object_or_404(
        CaravanTrip.objects.visible_to(request.user).select_related(
            "facility", "region", "province", "campaign"
        ),
        pk=pk,
    )
    scope = get_scope(request.user)
    is_staff = scope.belongs_to(trip.facility_id)
    return render(
        request,
        "events/trip_detail.html",
        {
            "trip": trip,
            "can_approve": trip.status == CaravanTripStatus.PLANNED
            and scope.covers_province(trip.facility.province_id),
            "can_cancel": (is_staff or scope.is_admin)
            and trip.status in (CaravanTripStatus.PLANNED, CaravanTripStatus.APPROVED),
            "can_report": is_staff
            and trip.status == CaravanTripStatus.APPROVED
            and trip.ends_on <= timezone.localdate(),
        },
    )


@login_required
@require_POST
def trip_action(request, pk, action):
    trip = get_object_or_404(CaravanTrip.objects.visible_to(request.user), pk=pk)
    function, done = TRIP_ACTIONS[action]
    try:
        function(by=request.user, trip=trip)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    if request.POST.get("next") == "queue":
        return redirect("events:trip-review")
    return redirect("events:trip", pk=trip.pk)


@login_required
def report_trip(request, pk):
    trip = get_object_or_404(
        CaravanTrip.objects.of_staff(request.user).select_related("facility", "region"), pk=pk
    )
    form = TripReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_trip(by=request.user, trip=trip, **form.cleaned_data)
        except DomainError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The trip is reported."))
            return redirect("events:trip", pk=trip.pk)
    return render(request, "events/trip_form.html", {"form": form, "trip": trip})


@login_required
def trip_review(request):
    """Planned trips waiting for the reviewer's approval, soonest first."""
    if not get_scope(request.user).is_reviewer:
        raise Http404
    trips = (
        CaravanTrip.objects.reviewable_by(request.user)
        .filter(status=CaravanTripStatus.PLANNED)
        .select_related("facility", "region")
        .order_by("starts_on", "id")
    )
    page = _page(request, trips, PORTAL_PAGE_SIZE)
    return render(request, "events/trip_review.html", {"page": page, "trips": page.object_list})
