"""Activity reports: reported → verified, or reported → rejected; photos by the facility's staff.

Every change of a report is one function here, called alike by the portal pages, the API, the
admin and the Celery tasks. Permission and state are checked on the row locked for the change,
so two reviewers acting at once never both succeed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import CampaignStatus
from config.errors import BadRequest, InvalidTransition, NotAllowed
from facilities.models import FacilityStatus
from facilities.notifications import facility_staff_emails, notify
from facilities.roles import get_scope
from resources.models import DigitalResource, KitRequest, KitRequestStatus

from .images import clean_photo, render_thumbnail
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


def _validate(activity):
    """Model validation with a field-level message for the one cross-field rule."""
    if activity.ends_at and activity.starts_at and activity.ends_at < activity.starts_at:
        raise ValidationError({"ends_at": _("The end must not be before the start.")})
    activity.full_clean(exclude=["created_by", "reviewed_by"])


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
        raise ValidationError(errors)
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
        raise ValidationError(
            {"facility": _("You can only report activities of a facility you work for.")}
        )
    if facility.status != FacilityStatus.APPROVED:
        raise ValidationError(
            {"facility": _("The facility must be approved before it reports activities.")}
        )
    if campaign.status == CampaignStatus.DRAFT:
        raise ValidationError({"campaign": _("This campaign is not open for reports yet.")})
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
        raise TypeError(f"Fields that cannot be changed: {', '.join(sorted(unknown))}")
    activity = _lock(activity)
    _check_staff(by, activity)
    if not activity.is_editable:
        raise InvalidTransition(_("A verified activity can no longer be changed."))
    used = {name: changes.pop(name) for name in USED_FIELDS if name in changes}
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
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    activity = _lock(activity)
    _check_reviewer(by, activity)
    if activity.status != ActivityStatus.REPORTED:
        raise InvalidTransition(_("Only a reported activity can be rejected."))
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
    clean = clean_photo(image)
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
        transaction.on_commit(lambda: _queue_thumbnail(photo.pk))
    return photo


def _queue_thumbnail(photo_id):
    from .tasks import make_photo_thumbnail

    make_photo_thumbnail.delay(photo_id)


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
