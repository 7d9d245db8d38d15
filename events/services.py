"""Activity reports: reported → verified, or reported → rejected; photos by the facility's staff.

Every change of a report is one function here, called alike by the portal pages, the API, the
admin and the Celery tasks. Permission and state are checked on the row locked for the change,
so two reviewers acting at once never both succeed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaigns.assessment import ensure_month_open
from campaigns.models import CampaignStatus
from config.errors import BadRequest, DomainError, InvalidFields, InvalidTransition, NotAllowed
from config.images import InvalidImage, clean_photo, render_thumbnail
from config.tasks import send_task_on_commit
from facilities.models import FacilityStatus
from facilities.notifications import facility_staff_emails, notify
from facilities.roles import get_scope
from resources.models import DigitalResource, KitRequest, KitRequestStatus

from .models import Activity, ActivityPhoto, ActivityStatus

# What staff may change on a report; campaign and facility are fixed once it is reported.
EDITABLE_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "venue",
    "region",
    "audience_count",
    "description",
    "kits_used",
    "resources_used",
)
USED_FIELDS = ("kits_used", "resources_used")
MAX_PHOTOS_PER_ACTIVITY = 30


def _full_clean(instance, **options):
    """The model's own validation, refused in the services' vocabulary."""
    try:
        instance.full_clean(**options)
    except ValidationError as error:
        raise InvalidFields.from_validation_error(error) from None


def _validate(activity):
    """Model validation with a field-level message for the one cross-field rule."""
    if activity.ends_at and activity.starts_at and activity.ends_at < activity.starts_at:
        raise InvalidFields({"ends_at": _("The end must not be before the start.")})
    _full_clean(activity, exclude=["created_by", "reviewed_by"])


def _check_used(*, by, facility, kits_used, resources_used):
    """Kits must have been received by the facility; resources must be visible to the user."""
    errors = {}
    kits = list(kits_used or [])
    received = set(
        KitRequest.objects.filter(
            facility=facility, status=KitRequestStatus.RECEIVED, kit__in=kits
        ).values_list("kit_id", flat=True)
    )
    missing = [kit for kit in kits if kit.pk not in received]
    if missing:
        errors["kits_used"] = _("%(facility)s has not received these kits: %(kits)s.") % {
            "facility": facility.name,
            "kits": ", ".join(str(kit) for kit in missing),
        }
    resources = list(resources_used or [])
    visible = set(
        DigitalResource.objects.visible_to(by)
        .filter(pk__in=[resource.pk for resource in resources])
        .values_list("pk", flat=True)
    )
    hidden = [resource.pk for resource in resources if resource.pk not in visible]
    if hidden:
        errors["resources_used"] = _("There is no resource you may use with the id %(ids)s.") % {
            "ids": ", ".join(str(pk) for pk in hidden)
        }
    if errors:
        raise InvalidFields(errors)
    return kits, resources


def _lock(activity):
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("facility", "campaign")
        .get(pk=activity.pk)
    )


def _check_staff(by, activity):
    if not get_scope(by).belongs_to(activity.facility_id):
        raise NotAllowed(_("Only the staff of the reporting facility may change this report."))


def _check_reviewer(by, activity):
    if not get_scope(by).covers_province(activity.facility.province_id):
        raise NotAllowed(_("You may not review the reports of this facility."))


def activity_url(activity):
    """Absolute when SITE_URL is configured (for mail), the path otherwise."""
    path = reverse("events:detail", args=[activity.pk])
    return settings.SITE_URL.rstrip("/") + path


def _tell_staff(activity, template):
    notify(
        emails=facility_staff_emails([activity.facility_id]),
        template=template,
        context={"activity": activity, "url": activity_url(activity)},
    )


@transaction.atomic
def report_activity(
    *,
    by,
    campaign,
    facility,
    kind,
    title,
    starts_at,
    ends_at=None,
    venue="",
    region=None,
    audience_count=0,
    description="",
    kits_used=(),
    resources_used=(),
):
    """Record a new report in status `reported` for an approved facility the user works for.

    The region defaults to the facility's; the campaign must be published (not a draft). The
    kits used must have been received by the facility, the resources visible to the user.
    """
    if not get_scope(by).belongs_to(facility.pk):
        raise InvalidFields(
            {"facility": _("You can only report activities of a facility you work for.")}
        )
    if facility.status != FacilityStatus.APPROVED:
        raise InvalidFields(
            {"facility": _("The facility must be approved before it reports activities.")}
        )
    if campaign.status == CampaignStatus.DRAFT:
        raise InvalidFields({"campaign": _("This campaign is not open for reports yet.")})
    activity = Activity(
        campaign=campaign,
        facility=facility,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue or "",
        region=region or facility.region,
        audience_count=audience_count or 0,
        description=description or "",
        status=ActivityStatus.REPORTED,
        created_by=by,
    )
    _validate(activity)
    kits, resources = _check_used(
        by=by, facility=facility, kits_used=kits_used, resources_used=resources_used
    )
    ensure_month_open(facility_id=facility.pk, day=starts_at)
    activity.save()
    activity.kits_used.set(kits)
    activity.resources_used.set(resources)
    return activity


@transaction.atomic
def update_activity(*, activity, by, **changes):
    """Change a report; only its facility's staff, and only until it is verified.

    Editing a rejected report resubmits it: it goes back to `reported` for review.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise BadRequest(
            _("Fields that cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    activity = _lock(activity)
    _check_staff(by, activity)
    if not activity.is_editable:
        raise InvalidTransition(_("A verified activity can no longer be changed."))
    used = {name: changes.pop(name) for name in USED_FIELDS if name in changes}
    ensure_month_open(facility_id=activity.facility_id, day=activity.starts_at)
    for name, value in changes.items():
        setattr(activity, name, value)
    if activity.region_id is None:
        activity.region = activity.facility.region
    if activity.status == ActivityStatus.REJECTED:
        activity.status = ActivityStatus.REPORTED
        activity.reject_reason = ""
    _validate(activity)
    if used:
        kits, resources = _check_used(
            by=by,
            facility=activity.facility,
            kits_used=used.get("kits_used", activity.kits_used.all()),
            resources_used=used.get("resources_used", activity.resources_used.all()),
        )
    ensure_month_open(facility_id=activity.facility_id, day=activity.starts_at)
    activity.save()
    if "kits_used" in used:
        activity.kits_used.set(kits)
    if "resources_used" in used:
        activity.resources_used.set(resources)
    return activity


@transaction.atomic
def verify_activity(*, activity, by):
    """reported → verified, by an administrator or a coordinator of the facility's province.

    From then on the report is public and frozen; the facility's staff are told by mail.
    """
    activity = _lock(activity)
    _check_reviewer(by, activity)
    if activity.status != ActivityStatus.REPORTED:
        raise InvalidTransition(_("Only a reported activity can be verified."))
    ensure_month_open(facility_id=activity.facility_id, day=activity.starts_at)
    activity.status = ActivityStatus.VERIFIED
    activity.reject_reason = ""
    activity.reviewed_at = timezone.now()
    activity.reviewed_by = by
    activity.save(
        update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by", "updated_at"]
    )
    _tell_staff(activity, "events/mail/activity_verified")
    return activity


@transaction.atomic
def reject_activity(*, activity, by, reason):
    """reported → rejected with a reason the staff can act on; they are told by mail."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidFields({"reason": _("Give the reason for the rejection.")})
    activity = _lock(activity)
    _check_reviewer(by, activity)
    if activity.status != ActivityStatus.REPORTED:
        raise InvalidTransition(_("Only a reported activity can be rejected."))
    ensure_month_open(facility_id=activity.facility_id, day=activity.starts_at)
    activity.status = ActivityStatus.REJECTED
    activity.reject_reason = reason
    activity.reviewed_at = timezone.now()
    activity.reviewed_by = by
    activity.save(
        update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by", "updated_at"]
    )
    _tell_staff(activity, "events/mail/activity_rejected")
    return activity


def add_photo(*, activity, by, image, caption="", credit=""):
    """Store a checked, upright, metadata-free copy of an uploaded photo; thumbnail it later.

    The upload is checked before anything is stored (InvalidImage with the reason otherwise),
    and the stored file is removed again if the row cannot be written: a refused upload leaves
    nothing behind.
    """
    try:
        clean = clean_photo(image)
    except InvalidImage as error:
        error.field = "image"
        raise
    image_field = ActivityPhoto._meta.get_field("image")
    with transaction.atomic():
        activity = _lock(activity)
        _check_staff(by, activity)
        if not activity.is_editable:
            raise InvalidTransition(_("Photos can no longer be added to a verified activity."))
        if activity.photos.count() >= MAX_PHOTOS_PER_ACTIVITY:
            raise BadRequest(
                _("An activity can have at most %(limit)s photos.")
                % {"limit": MAX_PHOTOS_PER_ACTIVITY}
            )
        name = image_field.generate_filename(
            ActivityPhoto(activity=activity), f"photo{clean.extension}"
        )
        stored_name = image_field.storage.save(name, ContentFile(clean.content))
        try:
            # Width and height given up front: Django need not read the file back to learn them.
            photo = ActivityPhoto.objects.create(
                activity=activity,
                image=stored_name,
                width=clean.width,
                height=clean.height,
                caption=caption or "",
                credit=credit or "",
                uploaded_by=by,
            )
        except Exception:
            image_field.storage.delete(stored_name)
            raise
        # Broker down: the thumbnail is made here; the upload answers success either way.
        send_task_on_commit("events.tasks.make_photo_thumbnail", photo.pk)
    return photo


@transaction.atomic
def remove_photo(*, photo, by):
    """Delete a photo of a report that is not verified yet; its files go after the commit."""
    activity = _lock(photo.activity)
    _check_staff(by, activity)
    if not activity.is_editable:
        raise InvalidTransition(_("Photos of a verified activity can no longer be removed."))
    files = [f for f in (photo.image, photo.thumbnail) if f]
    storage_names = [(f.storage, f.name) for f in files]
    photo.delete()

    def delete_files():
        for storage, name in storage_names:
            storage.delete(name)

    transaction.on_commit(delete_files)


def make_thumbnail(*, photo_id):
    """Give a photo its thumbnail; running it again (or concurrently) never makes a second one.

    Returns the thumbnail's name, or None when the photo no longer exists.
    """
    photo = ActivityPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return None
    if photo.thumbnail:
        return photo.thumbnail.name
    with photo.image.open("rb") as source:
        content = render_thumbnail(source)
    thumbnail_field = ActivityPhoto._meta.get_field("thumbnail")
    stem = photo.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    name = thumbnail_field.generate_filename(photo, f"{stem}.jpg")
    stored_name = thumbnail_field.storage.save(name, ContentFile(content))
    claimed = ActivityPhoto.objects.filter(pk=photo.pk, thumbnail="").update(thumbnail=stored_name)
    if not claimed:
        # Another run finished first, or the photo was deleted meanwhile: keep no stray file.
        thumbnail_field.storage.delete(stored_name)
        return ActivityPhoto.objects.filter(pk=photo.pk).values_list("thumbnail", flat=True).first()
    return stored_name


# ---------------------------------------------------------------------------
# Field work: tour stops, their attendance, caravan trips
# ---------------------------------------------------------------------------
#
# A set is never at two stops at once: `plan_stop` refuses overlapping dates, and on
# PostgreSQL the exclusion constraint `tour_stop_no_overlap` refuses them even when two
# plans are written at the same moment (the loser gets the same 409). At most one stop of a
# set is open: `open_stop` checks, and the partial unique index `tour_stop_one_open_per_set`
# backs the check. A stop's audience is the sum of its attendance, kept in the same
# transaction as each entry with an UPDATE … SET audience_total = audience_total + n.

OVERLAP_CONSTRAINT = "tour_stop_no_overlap"
ONE_OPEN_CONSTRAINT = "tour_stop_one_open_per_set"
ATTENDANCE_CONSTRAINT = "stop_attendance_one_per_day"
MAX_STOP_DAYS = 366
MAX_TRIP_DAYS = 92


def _today():
    return timezone.localdate()


def _check_county(region, field="region"):
    from facilities.models import RegionLevel

    if region is None or region.level != RegionLevel.COUNTY or region.is_grouping:
        raise InvalidFields(
            {
                field: _(
                    "Give a county-level region (a six-digit county code), not a province or prefecture."
                )
            }
        )


def _check_dates(starts_on, ends_on, max_days):
    if ends_on < starts_on:
        raise InvalidFields({"ends_on": _("The end date must not be before the start date.")})
    if (ends_on - starts_on).days + 1 > max_days:
        raise InvalidFields(
            {
                "ends_on": _("This lasts more than %(days)s days; check the dates.")
                % {"days": max_days}
            }
        )


def _violated(error, constraint):
    return constraint in str(error)


def _bump_field_stats(campaign_id):
    """Attendance changes are UPDATEs that send no signal: refresh the cached figures."""
    if campaign_id:
        from campaigns.stats import bump_stats_version

        bump_stats_version(campaign_id)
        transaction.on_commit(lambda: bump_stats_version(campaign_id))


def stop_url(stop):
    return settings.SITE_URL.rstrip("/") + reverse("events:stop", args=[stop.pk])


def trip_url(trip):
    return settings.SITE_URL.rstrip("/") + reverse("events:trip", args=[trip.pk])


def can_record_attendance(user, stop):
    """The set's managers and the staff of the host facility."""
    from resources.services.exhibits import can_manage_set

    if user is None:
        return True
    if stop.host_id and get_scope(user).belongs_to(stop.host_id):
        return True
    return can_manage_set(user, stop.exhibition_set)


def overlapping_stops(*, exhibition_set, starts_on, ends_on, exclude_pk=None):
    """Non-cancelled stops of the set whose dates share at least one day with the given ones."""
    from .models import TourStop, TourStopStatus

    stops = TourStop.objects.filter(
        exhibition_set=exhibition_set, starts_on__lte=ends_on, ends_on__gte=starts_on
    ).exclude(status=TourStopStatus.CANCELLED)
    if exclude_pk:
        stops = stops.exclude(pk=exclude_pk)
    return stops


def _overlap_error(other):
    return DomainError(
        _(
            "The set is already planned at “%(venue)s” from %(start)s to %(end)s; "
            "choose dates that do not overlap that stop."
        )
        % {"venue": other.venue, "start": other.starts_on, "end": other.ends_on}
    )


def plan_stop(
    *,
    by,
    exhibition_set,
    region,
    venue,
    starts_on,
    ends_on,
    venue_area_m2=None,
    host=None,
    campaign=None,
    opening_days="",
):
    """Plan a stop of a set at a county venue; never two non-cancelled stops on one day.

    The overlap check runs here for every database; on PostgreSQL the exclusion constraint
    makes it hold under concurrency too (an overlapping insert that slips past the check
    fails on the constraint and gets the same 409).
    """
    from resources.models import ExhibitionSetStatus
    from resources.services.exhibits import check_manager

    from .models import TourStop

    check_manager(by, exhibition_set)
    if exhibition_set.status == ExhibitionSetStatus.RETIRED:
        raise InvalidTransition(gettext("A retired set cannot be planned at a stop."))
    _check_county(region)
    _check_dates(starts_on, ends_on, MAX_STOP_DAYS)
    if not (venue or "").strip():
        raise InvalidFields({"venue": _("Name the venue.")})
    stop = TourStop(
        exhibition_set=exhibition_set,
        campaign=campaign or exhibition_set.campaign,
        region=region,
        venue=venue.strip(),
        venue_area_m2=venue_area_m2,
        opening_days=opening_days or "",
        host=host,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    stop.province_id = region.code[:2] + "0000"
    _full_clean(stop, exclude=["created_by"], validate_constraints=False)
    with transaction.atomic():
        other = overlapping_stops(
            exhibition_set=exhibition_set, starts_on=starts_on, ends_on=ends_on
        ).first()
        if other is not None:
            raise _overlap_error(other)
        try:
            with transaction.atomic():
                stop.save()
        except (IntegrityError, OperationalError) as error:
            # Two overlapping inserts that both passed the check wait on each other in the
            # exclusion constraint; PostgreSQL then aborts one of them as a deadlock. Either
            # way the loser's dates overlap a stop planned at the same moment.
            if not (_violated(error, OVERLAP_CONSTRAINT) or _is_deadlock(error)):
                raise
            raise DomainError(
                gettext(
                    "Another stop of this set was just planned on some of these days; "
                    "reload the set's schedule and choose other dates."
                )
            ) from None
    return stop


def _is_deadlock(error):
    return getattr(error.__cause__, "pgcode", None) == "40P01"


def _lock_stop(stop):
    from .models import TourStop

    return (
        TourStop.objects.select_for_update(of=("self",))
        .select_related("exhibition_set__operator", "region", "host")
        .get(pk=stop.pk)
    )


def _check_stop_manager(by, stop):
    from resources.services.exhibits import check_manager

    check_manager(by, stop.exhibition_set)


def other_open_stop(stop):
    """The set's stop that is open now, other than this one (None when there is none)."""
    from .models import TourStop, TourStopStatus

    return (
        TourStop.objects.filter(
            exhibition_set_id=stop.exhibition_set_id, status=TourStopStatus.OPEN
        )
        .exclude(pk=stop.pk)
        .first()
    )


@transaction.atomic
def open_stop(*, by, stop):
    """planned → open, from its first day on; a set has at most one open stop.

    The host facility's staff are told by mail.
    """
    from resources.models import ExhibitionSet, ExhibitionSetStatus

    from .models import TourStopStatus

    stop = _lock_stop(stop)
    _check_stop_manager(by, stop)
    if stop.status != TourStopStatus.PLANNED:
        raise InvalidTransition(
            gettext("Only a planned stop can be opened; this one is “%(status)s”.")
            % {"status": stop.get_status_display()}
        )
    if stop.starts_on > _today():
        raise InvalidTransition(
            gettext("This stop starts on %(date)s; it can be opened from that day.")
            % {"date": stop.starts_on}
        )
    if stop.exhibition_set.status == ExhibitionSetStatus.RETIRED:
        raise InvalidTransition(gettext("A retired set cannot open a stop."))
    already = other_open_stop(stop)
    if already is not None:
        raise InvalidTransition(
            gettext("The set is still open at “%(venue)s”; close that stop first.")
            % {"venue": already.venue}
        )
    stop.status = TourStopStatus.OPEN
    stop.opened_at = timezone.now()
    try:
        with transaction.atomic():
            stop.save(update_fields=["status", "opened_at", "updated_at"])
    except IntegrityError as error:
        if not _violated(error, ONE_OPEN_CONSTRAINT):
            raise
        raise InvalidTransition(
            gettext("Another stop of this set was opened just now; close that stop first.")
        ) from None
    ExhibitionSet.objects.filter(pk=stop.exhibition_set_id).exclude(
        status__in=(ExhibitionSetStatus.RETIRED, ExhibitionSetStatus.MAINTENANCE)
    ).update(status=ExhibitionSetStatus.TOURING)
    if stop.host_id:
        notify(
            emails=facility_staff_emails([stop.host_id]),
            template="events/mail/stop_opened",
            context={"stop": stop, "url": stop_url(stop)},
        )
    return stop


@transaction.atomic
def close_stop(*, by, stop):
    """open → closed; the set goes back to storage. Attendance may still be added afterwards."""
    from resources.models import ExhibitionSet, ExhibitionSetStatus

    from .models import TourStopStatus

    stop = _lock_stop(stop)
    _check_stop_manager(by, stop)
    if stop.status != TourStopStatus.OPEN:
        raise InvalidTransition(
            gettext("Only an open stop can be closed; this one is “%(status)s”.")
            % {"status": stop.get_status_display()}
        )
    stop.status = TourStopStatus.CLOSED
    stop.closed_at = timezone.now()
    stop.save(update_fields=["status", "closed_at", "updated_at"])
    ExhibitionSet.objects.filter(
        pk=stop.exhibition_set_id, status=ExhibitionSetStatus.TOURING
    ).update(status=ExhibitionSetStatus.IN_STORAGE)
    return stop


@transaction.atomic
def cancel_stop(*, by, stop):
    """planned → cancelled; its days become free for another stop of the set."""
    from .models import TourStopStatus

    stop = _lock_stop(stop)
    _check_stop_manager(by, stop)
    if stop.status != TourStopStatus.PLANNED:
        raise InvalidTransition(
            gettext("Only a planned stop can be cancelled; this one is “%(status)s”.")
            % {"status": stop.get_status_display()}
        )
    stop.status = TourStopStatus.CANCELLED
    stop.cancelled_at = timezone.now()
    stop.save(update_fields=["status", "cancelled_at", "updated_at"])
    return stop


@transaction.atomic
def record_attendance(*, by, stop, date, visitors, school_groups=0, note=""):
    """One day's visitors at an open or closed stop, for a day of the stop up to today.

    One entry a date (409 for a second, backed by a unique constraint); the stop's
    `audience_total` grows by `visitors` in the same transaction.
    """
    from .models import MAX_SCHOOL_GROUPS_PER_DAY, MAX_VISITORS_PER_DAY, StopAttendance, TourStop

    stop = _lock_stop(stop)
    if not can_record_attendance(by, stop):
        raise NotAllowed(
            gettext("Only the set's managers and the host's staff may record attendance.")
        )
    if not stop.takes_attendance:
        raise InvalidTransition(
            gettext("Attendance is recorded once the stop is open; this one is “%(status)s”.")
            % {"status": stop.get_status_display()}
        )
    errors = {}
    if date > _today():
        errors["date"] = _("Attendance cannot be recorded for a day in the future.")
    elif not stop.starts_on <= date <= stop.ends_on:
        errors["date"] = _("Give a day of the stop, from %(start)s to %(end)s.") % {
            "start": stop.starts_on,
            "end": stop.ends_on,
        }
    if visitors is None or visitors < 0 or visitors > MAX_VISITORS_PER_DAY:
        errors["visitors"] = _("Give the number of visitors, from 0 to %(max)s a day.") % {
            "max": f"{MAX_VISITORS_PER_DAY:,}"
        }
    school_groups = school_groups or 0
    if school_groups < 0 or school_groups > MAX_SCHOOL_GROUPS_PER_DAY:
        errors["school_groups"] = _("Give the number of school groups, from 0 to %(max)s.") % {
            "max": f"{MAX_SCHOOL_GROUPS_PER_DAY:,}"
        }
    if errors:
        raise InvalidFields(errors)
    ensure_month_open(facility_id=stop.exhibition_set.operator_id, day=date)
    duplicate = gettext("Attendance for %(date)s is recorded already.") % {"date": date}
    if stop.attendance.filter(date=date).exists():
        raise DomainError(duplicate)
    entry = StopAttendance(
        stop=stop,
        date=date,
        visitors=visitors,
        school_groups=school_groups,
        note=(note or "").strip(),
        recorded_by=by if by is not None and by.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:
        if not _violated(error, ATTENDANCE_CONSTRAINT):
            raise
        raise DomainError(duplicate) from None
    TourStop.objects.filter(pk=stop.pk).update(
        audience_total=F("audience_total") + visitors, updated_at=timezone.now()
    )
    _bump_field_stats(stop.campaign_id)
    return entry


@transaction.atomic
def remove_attendance(*, by, entry):
    """Delete a mistaken entry; the stop's audience shrinks by its visitors at once."""
    from .models import TourStop

    stop = _lock_stop(entry.stop)
    _check_stop_manager(by, stop)
    ensure_month_open(facility_id=stop.exhibition_set.operator_id, day=entry.date)
    visitors = entry.visitors
    deleted, _rows = type(entry).objects.filter(pk=entry.pk).delete()
    if deleted:
        TourStop.objects.filter(pk=stop.pk).update(
            audience_total=F("audience_total") - visitors, updated_at=timezone.now()
        )
        _bump_field_stats(stop.campaign_id)


# Caravan trips: planned → approved → reported, planned|approved → cancelled.


def _lock_trip(trip):
    from .models import CaravanTrip

    return (
        CaravanTrip.objects.select_for_update(of=("self",))
        .select_related("facility", "region")
        .get(pk=trip.pk)
    )


def _tell_caravan(trip, template):
    notify(
        emails=facility_staff_emails([trip.facility_id]),
        template=template,
        context={"trip": trip, "url": trip_url(trip)},
    )


@transaction.atomic
def plan_trip(*, by, facility, region, destination, starts_on, ends_on, purpose="", campaign=None):
    """A trip planned by the staff of an approved caravan; it waits for the province."""
    from facilities.models import FacilityKind

    from .models import CaravanTrip

    if by is not None and not get_scope(by).belongs_to(facility.pk):
        raise InvalidFields({"facility": _("You can only plan trips of a caravan you work for.")})
    if facility.kind != FacilityKind.CARAVAN:
        raise InvalidFields({"facility": _("Trips are planned for popular-science caravans.")})
    if facility.status != FacilityStatus.APPROVED:
        raise InvalidFields({"facility": _("The caravan must be approved before it plans trips.")})
    _check_county(region)
    _check_dates(starts_on, ends_on, MAX_TRIP_DAYS)
    if not (destination or "").strip():
        raise InvalidFields({"destination": _("Name the destination.")})
    trip = CaravanTrip(
        facility=facility,
        campaign=campaign,
        region=region,
        destination=destination.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        purpose=purpose or "",
        created_by=by if by is not None and by.is_authenticated else None,
    )
    trip.province_id = region.code[:2] + "0000"
    _full_clean(trip, exclude=["created_by", "approved_by"])
    trip.save()
    return trip


@transaction.atomic
def approve_trip(*, by, trip):
    """planned → approved, by a coordinator of the caravan's province or an administrator."""
    from .models import CaravanTripStatus

    trip = _lock_trip(trip)
    if by is not None and not get_scope(by).covers_province(trip.facility.province_id):
        raise NotAllowed(gettext("Only the coordinators of its province may approve this trip."))
    if trip.status != CaravanTripStatus.PLANNED:
        raise InvalidTransition(
            gettext("Only a planned trip can be approved; this one is “%(status)s”.")
            % {"status": trip.get_status_display()}
        )
    trip.status = CaravanTripStatus.APPROVED
    trip.approved_at = timezone.now()
    trip.approved_by = by if by is not None and by.is_authenticated else None
    trip.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    _tell_caravan(trip, "events/mail/trip_approved")
    return trip


@transaction.atomic
def cancel_trip(*, by, trip):
    """planned|approved → cancelled, by the caravan's staff (or an administrator)."""
    from .models import CaravanTripStatus

    trip = _lock_trip(trip)
    scope = get_scope(by)
    if by is not None and not (scope.is_admin or scope.belongs_to(trip.facility_id)):
        raise NotAllowed(gettext("Only the caravan's staff may cancel this trip."))
    if trip.status not in (CaravanTripStatus.PLANNED, CaravanTripStatus.APPROVED):
        raise InvalidTransition(
            gettext("Only a planned or approved trip can be cancelled; this one is “%(status)s”.")
            % {"status": trip.get_status_display()}
        )
    trip.status = CaravanTripStatus.CANCELLED
    trip.cancelled_at = timezone.now()
    trip.save(update_fields=["status", "cancelled_at", "updated_at"])
    _tell_caravan(trip, "events/mail/trip_cancelled")
    return trip


@transaction.atomic
def report_trip(*, by, trip, distance_km, audience_total, activities_count, summary=""):
    """approved → reported by the caravan's staff, once the trip's last day has come."""
    from .models import (
        MAX_TRIP_ACTIVITIES,
        MAX_TRIP_AUDIENCE,
        MAX_TRIP_DISTANCE_KM,
        CaravanTripStatus,
    )

    trip = _lock_trip(trip)
    if by is not None and not get_scope(by).belongs_to(trip.facility_id):
        raise NotAllowed(gettext("Only the caravan's staff may report this trip."))
    if trip.status != CaravanTripStatus.APPROVED:
        raise InvalidTransition(
            gettext("Only an approved trip can be reported; this one is “%(status)s”.")
            % {"status": trip.get_status_display()}
        )
    if trip.ends_on > _today():
        raise InvalidTransition(
            gettext("This trip ends on %(date)s; report it from that day on.")
            % {"date": trip.ends_on}
        )
    ensure_month_open(facility_id=trip.facility_id, day=trip.starts_on)
    errors = {}
    limits = {
        "distance_km": (
            distance_km,
            MAX_TRIP_DISTANCE_KM,
            _("Give the distance in km, from 0 to %(max)s."),
        ),
        "audience_total": (
            audience_total,
            MAX_TRIP_AUDIENCE,
            _("Give the audience, from 0 to %(max)s."),
        ),
        "activities_count": (
            activities_count,
            MAX_TRIP_ACTIVITIES,
            _("Give the number of activities, from 0 to %(max)s."),
        ),
    }
    for field, (value, limit, message) in limits.items():
        if value is None or value < 0 or value > limit:
            errors[field] = message % {"max": f"{limit:,}"}
    if errors:
        raise InvalidFields(errors)
    trip.status = CaravanTripStatus.REPORTED
    trip.distance_km = distance_km
    trip.audience_total = audience_total
    trip.activities_count = activities_count
    trip.summary = summary or ""
    trip.reported_at = timezone.now()
    trip.save(
        update_fields=[
            "status",
            "distance_km",
            "audience_total",
            "activities_count",
            "summary",
            "reported_at",
            "updated_at",
        ]
    )
    return trip


def field_summary(*, facility, year):
    """A facility's field work in a calendar year, against the yearly norm.

    `stops` and `stop_days`: held (open or closed) stops of the sets it operates, and their
    days within the year (an open stop counts up to today). `trips`, `days_out` and
    `distance_km`: its reported trips that started in the year. `audience`: visitors recorded
    at its stops on days of the year plus the audience of those trips. The norm is met with
    `CARAVAN_NORM_DAYS` days out or `CARAVAN_NORM_KM` kilometres (either suffices).
    Three queries.
    """
    import datetime

    from django.db.models import Sum

    from .models import CaravanTrip, CaravanTripStatus, StopAttendance, TourStop, TourStopStatus

    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    today = _today()
    stops = (
        TourStop.objects.held()
        .filter(exhibition_set__operator=facility, starts_on__lte=last, ends_on__gte=first)
        .values_list("starts_on", "ends_on", "status")
        .order_by()
    )
    stop_count = stop_days = 0
    for starts_on, ends_on, status in stops:
        end = min(ends_on, last)
        if status == TourStopStatus.OPEN:
            end = min(end, today)
        start = max(starts_on, first)
        stop_count += 1
        stop_days += max((end - start).days + 1, 0)
    stop_audience = (
        StopAttendance.objects.filter(
            stop__exhibition_set__operator=facility,
            stop__status__in=(TourStopStatus.OPEN, TourStopStatus.CLOSED),
            date__gte=first,
            date__lte=last,
        ).aggregate(total=Sum("visitors"))["total"]
        or 0
    )
    trips = CaravanTrip.objects.filter(
        facility=facility,
        status=CaravanTripStatus.REPORTED,
        starts_on__gte=first,
        starts_on__lte=last,
    ).values_list("starts_on", "ends_on", "distance_km", "audience_total")
    trip_count = days_out = distance = trip_audience = 0
    for starts_on, ends_on, distance_km, audience in trips:
        trip_count += 1
        days_out += (ends_on - starts_on).days + 1
        distance += distance_km or 0
        trip_audience += audience or 0
    return {
        "year": year,
        "stops": stop_count,
        "stop_days": stop_days,
        "trips": trip_count,
        "days_out": days_out,
        "distance_km": distance,
        "audience": stop_audience + trip_audience,
        "meets_norm": days_out >= settings.CARAVAN_NORM_DAYS
        or distance >= settings.CARAVAN_NORM_KM,
    }
