"""Digital resources: publishing, changes, withdrawal, download tracking and its daily roll-up.

Every door (admin, API, pages, tasks) goes through these functions. Files are checked before
anything is stored: size limit, SHA-256, and a content type sniffed from the bytes that must
match the chosen format. Downloads are queued on Redis and written in batches (downloads.py),
or written here by record_download when Redis cannot be reached, so a download is never
refused and never left uncounted because tracking failed.
"""

import datetime
import ipaddress
import logging
import os
import secrets
import uuid
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete
from django.http import FileResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from PIL import Image

from campaigns.stats import figures_changed
from config.errors import BadRequest, InvalidTransition, NotAllowed
from config.files import check_picture, delivery, is_picture
from config.images import InvalidImage, render_thumbnail
from config.signed_urls import signed_url
from config.tasks import send_task_on_commit
from facilities.models import Membership
from facilities.roles import get_scope

from ..models import (
    DigitalResource,
    DownloadDaily,
    DownloadEvent,
    ResourceAccess,
    ResourceStatus,
)
from .uploads import check_format, inspect_upload

logger = logging.getLogger(__name__)

ROLL_UP_BATCH = 5000
EDITABLE_FIELDS = ("title", "description", "category", "campaign", "access")
# Bumped by every deletion: the API's cached catalogue counts are keyed on it (api/digital.py).
CATALOGUE_DELETIONS_KEY = "resources:catalogue:deletions"


def forget_catalogue_counts(**_signal):
    """Invalidate the cached catalogue counts; saves need not, their updated_at does it."""
    cache.set(CATALOGUE_DELETIONS_KEY, uuid.uuid4().hex, None)


def connect_signals():
    post_delete.connect(
        forget_catalogue_counts, sender=DigitalResource, dispatch_uid="catalogue-counts"
    )


def _queue_thumbnail(resource, always=False):
    """Queue make_thumbnail after the commit; `always` also when it is to remove a thumbnail."""
    if always or is_picture(resource.content_type) or resource.cover:
        # A thumbnail that fails never turns a stored upload into an error answer.
        send_task_on_commit("resources.tasks.make_thumbnail", resource_id=resource.pk)


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------


def _require_admin(by):
    if by is not None and not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators publish digital resources."))


def _checked_cover(cover):
    if not cover:
        return
    try:
        check_picture(cover, max_size=settings.PHOTO_MAX_UPLOAD_SIZE)
    except BadRequest as exc:
        exc.field = "cover"
        raise


def _attach_file(resource, file, info):
    resource.file = file
    resource.original_filename = os.path.basename(getattr(file, "name", "") or "")[:255]
    resource.file_size = info.size
    resource.sha256 = info.sha256
    resource.content_type = info.content_type


def _bundles_changed(resource):
    """The bundles holding the resource are built again when their content changed."""
    from . import bundles  # bundles serves its files through this module

    bundles.resources_changed(resource_ids=[resource.pk])


def _save_or_forget_files(resource, **save_kwargs):
    """Save the row; if that fails, remove the files this save already wrote to storage."""
    new_files = [
        field for field in (resource.file, resource.cover) if field and not field._committed
    ]
    try:
        resource.full_clean(exclude=["file", "cover", "thumbnail"])
        resource.save(**save_kwargs)
    except Exception:
        for field in new_files:
            if field._committed and field.name:
                field.storage.delete(field.name)
        raise


def publish_resource(
    *,
    by,
    file,
    title,
    resource_format,
    description="",
    category=None,
    campaign=None,
    access=ResourceAccess.PUBLIC,
    cover=None,
    instance=None,
):
    """Check and store an uploaded file as a published resource, and queue its thumbnail.

    Size, SHA-256 and content type come from the bytes. A file over
    RESOURCE_MAX_UPLOAD_SIZE (FileTooLarge, 413) or whose content does not match the format
    (FileTypeMismatch, 400) is refused before anything is written: no row, no stored file.
    `instance` lets the admin hand over its unsaved model object.
    """
    _require_admin(by)
    info = inspect_upload(
        file, resource_format=resource_format, max_size=settings.RESOURCE_MAX_UPLOAD_SIZE
    )
    _checked_cover(cover)
    resource = instance or DigitalResource()
    resource.title = title
    resource.description = description or ""
    resource.format = resource_format
    resource.category = category
    resource.campaign = campaign
    resource.access = access
    resource.status = ResourceStatus.PUBLISHED
    resource.published_at = timezone.now()
    resource.withdrawn_at = None
    resource.created_by = by
    resource.cover = cover or None
    _attach_file(resource, file, info)
    with transaction.atomic():
        _save_or_forget_files(resource)
        _queue_thumbnail(resource)
    return resource


def update_resource(*, resource, by, file=None, cover=None, resource_format=None, **changes):
    """Change a resource's descriptive fields, format, cover or file.

    A new file is checked like an upload (size, checksum, content type) and a new format must
    accept the stored content type; the thumbnail is made again when its source changed.
    `cover=False` removes the cover. Replaced files leave storage after the commit.
    """
    _require_admin(by)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise BadRequest(_("These fields cannot be changed: %s.") % ", ".join(sorted(unknown)))
    new_format = resource_format or resource.format
    if file is not None:
        info = inspect_upload(
            file, resource_format=new_format, max_size=settings.RESOURCE_MAX_UPLOAD_SIZE
        )
        _attach_file(resource, file, info)
    elif resource_format and resource_format != resource.format:
        try:
            check_format(new_format, resource.content_type)
        except BadRequest as exc:
            exc.field = "format"
            raise
    if cover:
        _checked_cover(cover)
        resource.cover = cover
    elif cover is False:
        resource.cover = None
    resource.format = new_format
    for name, value in changes.items():
        setattr(resource, name, value)
    # The stored values, whatever a form already assigned to the instance.
    stored_file, stored_cover, stored_title, stored_format = (
        DigitalResource.objects.filter(pk=resource.pk)
        .values_list("file", "cover", "title", "format")
        .get()
    )
    with transaction.atomic():
        _save_or_forget_files(resource)
        if file is not None or (stored_title, stored_format) != (resource.title, resource.format):
            _bundles_changed(resource)
        replaced = []
        if file is not None and stored_file and stored_file != resource.file.name:
            replaced.append((resource.file.storage, stored_file))
        if cover is not None and stored_cover and stored_cover != resource.cover.name:
            replaced.append((resource.cover.storage, stored_cover))
        for storage, name in replaced:
            transaction.on_commit(lambda s=storage, n=name: s.delete(n), robust=True)
        if file is not None or cover is not None:
            _queue_thumbnail(resource, always=True)
    return resource


def withdraw_resource(*, resource, by):
    """published → withdrawn; the record and its file stay, sync clients see the withdrawal."""
    _require_admin(by)
    with transaction.atomic():
        locked = DigitalResource.objects.select_for_update().get(pk=resource.pk)
        if locked.status != ResourceStatus.PUBLISHED:
            raise InvalidTransition(_("Only a published resource can be withdrawn."))
        locked.status = ResourceStatus.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_at", "updated_at"])
        _bundles_changed(locked)
    resource.status, resource.withdrawn_at = locked.status, locked.withdrawn_at
    resource.updated_at = locked.updated_at
    return resource


def republish_resource(*, resource, by):
    """withdrawn → published again."""
    _require_admin(by)
    with transaction.atomic():
        locked = DigitalResource.objects.select_for_update().get(pk=resource.pk)
        if locked.status != ResourceStatus.WITHDRAWN:
            raise InvalidTransition(_("Only a withdrawn resource can be published again."))
        locked.status = ResourceStatus.PUBLISHED
        locked.withdrawn_at = None
        locked.published_at = locked.published_at or timezone.now()
        locked.save(update_fields=["status", "withdrawn_at", "published_at", "updated_at"])
        _bundles_changed(locked)
    resource.status, resource.withdrawn_at = locked.status, None
    resource.published_at, resource.updated_at = locked.published_at, locked.updated_at
    return resource


def make_thumbnail(*, resource_id):
    """Make (again) the JPEG thumbnail of an image resource or of a resource's cover image.

    Idempotent: a second run replaces the thumbnail. Unreadable images leave none and are
    logged; the resource stays published.
    """
    resource = DigitalResource.objects.filter(pk=resource_id).first()
    if resource is None:
        return None
    if is_picture(resource.content_type) and resource.file:
        source = resource.file
    elif resource.cover:
        source = resource.cover
    else:
        if resource.thumbnail:  # its source is gone (cover removed, file replaced)
            resource.thumbnail.storage.delete(resource.thumbnail.name)
            DigitalResource.objects.filter(pk=resource.pk).update(
                thumbnail="", updated_at=timezone.now()
            )
        return None
    try:
        with source.open("rb") as handle:
            # Any picture format Pillow reads: these files were not re-encoded on upload.
            content = render_thumbnail(handle, formats=None, max_pixels=settings.PHOTO_MAX_PIXELS)
    except InvalidImage:
        logger.warning("resource %s: image too large for a thumbnail", resource_id)
        return None
    except (OSError, Image.DecompressionBombError, ValueError):
        logger.warning("resource %s: no thumbnail, the image cannot be read", resource_id)
        return None
    old_name = resource.thumbnail.name
    field = resource.thumbnail
    name = field.storage.save(
        # Random like the file's folder: local media are served without an access check.
        field.field.generate_filename(resource, f"{resource.pk}-{secrets.token_urlsafe(8)}.jpg"),
        ContentFile(content),
    )
    DigitalResource.objects.filter(pk=resource.pk).update(thumbnail=name, updated_at=timezone.now())
    if old_name and old_name != name:
        field.storage.delete(old_name)
    return name


# ---------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------


def _dotted_quad(parts):
    return len(parts) == 4 and all(
        part.isascii() and part.isdigit() and int(part) <= 255 and (part == "0" or part[0] != "0")
        for part in parts
    )


def client_network(address):
    """An address anonymised to its network: IPv4 to /24, IPv6 to /48 ('' when unparsable)."""
    address = (address or "").strip()
    parts = address.split(".")
    if _dotted_quad(parts):  # the common case, without the ipaddress module's cost
        return f"{parts[0]}.{parts[1]}.{parts[2]}.0/24"
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def needs_sign_in(user, resource_id):
    """True when an anonymous user asks for a published member-only resource."""
    if getattr(user, "is_authenticated", False):
        return False
    return (
        DigitalResource.objects.published()
        .filter(pk=resource_id, access=ResourceAccess.MEMBERS)
        .exists()
    )


def record_download(
    *, resource_id, channel, user_id=None, client_network="", at=None, event_key=None
):
    """Store one download event and count it on its resource, in one transaction.

    The counter moves by `download_count = download_count + 1` in one UPDATE, so concurrent
    downloads never lose an increment; an event_key already stored (a task delivered twice)
    stores and counts nothing. Facility, region and province come from the user's first
    membership. Returns whether the download was recorded.
    """
    facility_id = region_id = None
    province_code = ""
    if user_id is not None:
        membership = (
            Membership.objects.filter(user_id=user_id)
            .order_by("id")
            .values_list("facility_id", "facility__region_id", "facility__province_id")
            .first()
        )
        if membership:
            facility_id, region_id, province_code = membership
    if isinstance(at, str):
        at = datetime.datetime.fromisoformat(at)
    event = DownloadEvent(
        resource_id=resource_id,
        user_id=user_id,
        facility_id=facility_id,
        region_id=region_id,
        province_code=province_code or "",
        channel=channel,
        client_network=client_network,
        created_at=at or timezone.now(),
        event_key=event_key,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            logger.info("download event %s already recorded or resource gone", event_key)
            return False
        DigitalResource.objects.filter(pk=resource_id).update(
            download_count=F("download_count") + 1
        )
    return True


def file_response(resource, *, inline=False):
    """The file itself: a short-lived signed URL on object storage, or streamed when local.

    Inline only when asked and the type is inert (files.delivery): an SVG or HTML file is an
    octet-stream attachment on both paths, so it never runs script on a page of ours.
    """
    field = resource.file
    filename = resource.original_filename or os.path.basename(field.name)
    content_type, as_attachment = delivery(resource.content_type or "", inline=inline)
    # isinstance sees through default_storage's lazy wrapper.
    if isinstance(field.storage, FileSystemStorage):
        response = FileResponse(
            field.storage.open(field.name, "rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    else:
        parameters = {
            "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
            "ResponseContentType": content_type,
        }
        # Reused for a fifth of its lifetime: a popular file is signed about once a minute
        # per process instead of once per download.
        url = signed_url(
            field.storage,
            field.name,
            parameters=parameters,
            expire=settings.AWS_QUERYSTRING_EXPIRE,
            reuse=0.2,
        )
        response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# Daily roll-up
# ---------------------------------------------------------------------------


def upsert_daily(counts):
    """Add counts to DownloadDaily rows with one INSERT … ON CONFLICT DO UPDATE statement.

    Rows go in key order, so that two concurrent upserts lock them in the same order.
    """
    table = connection.ops.quote_name(DownloadDaily._meta.db_table)
    count = connection.ops.quote_name("count")
    rows = [
        (resource_id, day, province, n)
        for (resource_id, day, province), n in sorted(counts.items())
    ]
    placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} (resource_id, date, province_code, {count}) "
        f"VALUES {placeholders} "
        f"ON CONFLICT (resource_id, date, province_code) "
        f"DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def _roll_up_batch(batch_size):
    with transaction.atomic():
        events = list(
            DownloadEvent.objects.filter(rolled_up=False, resource__isnull=False)
            .order_by("created_at")
            .select_for_update(skip_locked=True)
            .values_list("id", "resource_id", "created_at", "province_code")[:batch_size]
        )
        if not events:
            return 0
        counts = Counter(
            (resource_id, timezone.localdate(created_at), province_code)
            for _id, resource_id, created_at, province_code in events
        )
        upsert_daily(counts)
        DownloadEvent.objects.filter(pk__in=[event[0] for event in events]).update(rolled_up=True)
        # The downloads since the figures were cached show up now, not at the cache's expiry.
        resource_ids = {resource_id for resource_id, _day, _province in counts}
        for campaign_id in (
            DigitalResource.objects.filter(pk__in=resource_ids, campaign__isnull=False)
            .values_list("campaign_id", flat=True)
            .distinct()
        ):
            figures_changed(campaign_id)
    return len(events)


def roll_up_downloads(*, batch_size=ROLL_UP_BATCH, max_batches=200):
    """Add not-yet-rolled-up download events to the daily counts per resource and province.

    Each batch marks its events rolled_up in the same transaction that adds them, under row
    locks that concurrent roll-ups skip, so no event is ever counted twice or lost. Days are
    local dates (TIME_ZONE). Returns the number of events rolled up.
    """
    total = 0
    for _batch in range(max_batches):
        done = _roll_up_batch(batch_size)
        total += done
        if done < batch_size:
            break
    return total
