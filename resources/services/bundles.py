"""Offline bundles: ZIP packages of digital resources with a manifest, for places offline.

A bundle is built by a Celery task into a temporary file on disk, member by member, each read
from storage in chunks while its SHA-256 is computed, so the worker's memory stays flat
whatever the bundle's size; the finished ZIP is then saved to the configured storage. Any
change that alters a bundle's content (members added or removed, a member's file, title,
format or publication changed) asks for a rebuild. Rebuilds are ordered by `revision`: a build
publishes its ZIP only if no newer one was asked for meanwhile, and until then the previous
ZIP stays downloadable.
"""

import copy
import datetime
import hashlib
import json
import logging
import re
import tempfile
import uuid
import zipfile
from contextlib import closing
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, Q
from django.db.models.signals import pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.errors import BadRequest, DomainError, NotAllowed
from config.files import CHUNK_SIZE, digest
from config.tasks import LATER, send_task, send_task_on_commit
from facilities.models import Membership
from facilities.roles import get_scope

from ..models import (
    BundleStatus,
    DigitalResource,
    DownloadChannel,
    DownloadEvent,
    ResourceAccess,
    ResourceBundle,
    ResourceFormat,
    ResourceStatus,
)
from .digital import client_network, file_response

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
# Formats whose files are already compressed: stored as they are, not deflated again.
STORED_FORMATS = {ResourceFormat.VIDEO, ResourceFormat.IMAGE, ResourceFormat.AUDIO}


class BundleBuildError(DomainError):
    default_message = gettext_lazy("The bundle could not be built.")


# ---------------------------------------------------------------------------
# Creating bundles and asking for rebuilds
# ---------------------------------------------------------------------------


def create_bundle(
    *,
    by,
    title,
    description="",
    access=ResourceAccess.PUBLIC,
    campaign=None,
    category=None,
    resources=(),
):
    """Create a bundle of the chosen resources plus every published one of `campaign` and of
    `category`, and queue its build. Only national administrators create bundles."""
    if not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators create bundles."))
    if not (title or "").strip():
        raise BadRequest(_("Give the bundle a title."))
    chosen = Q(pk__in=[r.pk for r in resources])
    if campaign is not None:
        chosen |= Q(campaign=campaign)
    if category is not None:
        chosen |= Q(category=category)
    member_ids = list(
        DigitalResource.objects.published().filter(chosen).values_list("pk", flat=True)
    )
    if not member_ids:
        raise BadRequest(_("Choose published resources, or a campaign or category that has some."))
    with transaction.atomic():
        bundle = ResourceBundle.objects.create(
            title=title.strip(), description=description or "", access=access, campaign=campaign
        )
        bundle.resources.set(member_ids)
        request_rebuild(bundle_ids=[bundle.pk])
    return bundle


def request_rebuild(*, bundle_ids):
    """Mark bundles to be built again and queue their builds after the commit."""
    bundle_ids = sorted(set(bundle_ids))
    if not bundle_ids:
        return
    ResourceBundle.objects.filter(pk__in=bundle_ids).update(
        revision=F("revision") + 1, status=BundleStatus.PENDING, updated_at=timezone.now()
    )
    for bundle_id in bundle_ids:
        # Broker down: left pending; the admin action "rebuild" queues it again.
        send_task_on_commit("resources.tasks.build_bundle", bundle_id, if_unreachable=LATER)


def manifest_entry_is_current(entry, resource):
    """Whether a built manifest entry still describes the resource as it is now."""
    if entry["title"] != resource.title or entry["format"] != resource.format:
        return False
    if resource.sha256:
        return entry["sha256"] == resource.sha256
    return entry["size"] == resource.file_size


def resources_changed(*, resource_ids):
    """Ask for a rebuild of the bundles whose built content no longer matches these resources.

    Called by the services that change a resource's file, title, format or publication. One
    query finds the bundles holding the resources; a resource in no bundle costs nothing more.
    """
    resource_ids = set(resource_ids)
    if not resource_ids:
        return
    holding = list(
        ResourceBundle.objects.filter(resources__in=resource_ids)
        .distinct()
        .only("pk", "manifest")
        .prefetch_related(
            Prefetch(
                "resources",
                queryset=DigitalResource.objects.filter(pk__in=resource_ids).only(
                    "pk", "title", "format", "status", "sha256", "file_size"
                ),
                to_attr="changed_members",
            )
        )
    )
    outdated = []
    for bundle in holding:
        entries = {entry.get("id"): entry for entry in bundle.manifest}
        for resource in bundle.changed_members:
            entry = entries.get(resource.pk)
            published = resource.status == ResourceStatus.PUBLISHED
            if (entry is not None) != published or (
                entry is not None and not manifest_entry_is_current(entry, resource)
            ):
                outdated.append(bundle.pk)
                break
    request_rebuild(bundle_ids=outdated)


def _resource_deleted(sender, instance, **kwargs):
    request_rebuild(bundle_ids=instance.bundles.values_list("pk", flat=True))


def connect_signals():
    """Called from ResourcesConfig.ready. Saves ask for rebuilds through resources_changed;
    a deletion may also come from a cascade, which only a signal sees."""
    pre_delete.connect(_resource_deleted, sender=DigitalResource, dispatch_uid="bundle-delete")


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def open_stream(storage, name):
    """A file-like reading a stored file in chunks, without loading it whole.

    django-storages' S3File downloads the whole object into memory before the first read, so
    S3 objects are read from the body of a plain GET instead.
    """
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        return storage.open(name, "rb")
    from storages.utils import clean_name

    key = storage._normalize_name(clean_name(name))
    try:
        body = bucket.Object(key).get()["Body"]
    except bucket.meta.client.exceptions.NoSuchKey as exc:
        raise FileNotFoundError(name) from exc
    return closing(body)


def _bounded(storage):
    """The storage, uploading a large file one multipart part at a time.

    S3Storage's default transfer reads up to ten 8 MB parts ahead into memory, from several
    threads; a copy of it with a sequential transfer keeps a big bundle's upload flat.
    """
    if getattr(storage, "transfer_config", None) is None:
        return storage
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(use_threads=False)
    config.max_in_memory_upload_chunks = 1  # not a constructor argument
    bounded = copy.copy(storage)
    bounded.transfer_config = config
    return bounded


def _archive_name(resource, taken):
    original = resource.original_filename or resource.file.name.rsplit("/", 1)[-1]
    safe = re.sub(r"[\x00-\x1f\\/:*?\"<>|]+", "_", original).strip(" .") or "file"
    name = f"files/{resource.pk}-{safe[-150:]}"
    while name in taken:
        name = f"files/{resource.pk}-{len(taken)}-{safe[-150:]}"
    taken.add(name)
    return name


def _copy_member(archive, resource, storage, taken):
    """Stream one resource into the archive; its manifest entry, with size and SHA-256."""
    info = zipfile.ZipInfo(
        _archive_name(resource, taken),
        date_time=timezone.localtime(resource.updated_at).timetuple()[:6],
    )
    info.compress_type = (
        zipfile.ZIP_STORED if resource.format in STORED_FORMATS else zipfile.ZIP_DEFLATED
    )
    sha256, size = hashlib.sha256(), 0
    try:
        source = open_stream(storage, resource.file.name)
    except FileNotFoundError as exc:
        raise BundleBuildError(
            _("The file of resource #%(id)d “%(title)s” is missing from storage.")
            % {"id": resource.pk, "title": resource.title}
        ) from exc
    with source as stream, archive.open(info, "w", force_zip64=True) as target:
        while chunk := stream.read(CHUNK_SIZE):
            target.write(chunk)
            sha256.update(chunk)
            size += len(chunk)
    return {
        "id": resource.pk,
        "title": resource.title,
        "format": resource.format,
        "file_name": info.filename,
        "size": size,
        "sha256": sha256.hexdigest(),
    }


def write_bundle_archive(fileobj, *, bundle, members, storage, revision):
    """Write the ZIP (member files and manifest.json) into `fileobj`; the manifest entries."""
    entries, taken = [], set()
    with zipfile.ZipFile(fileobj, "w", allowZip64=True) as archive:
        for resource in members:
            entries.append(_copy_member(archive, resource, storage, taken))
        manifest = {
            "bundle": {
                "id": bundle.pk,
                "title": bundle.title,
                "description": bundle.description,
                "campaign": bundle.campaign.title if bundle.campaign_id else None,
                "revision": revision,
                "built_at": timezone.now().isoformat(),
            },
            "resources": entries,
        }
        archive.writestr(
            MANIFEST_NAME,
            json.dumps(manifest, ensure_ascii=False, indent=2),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return entries


def _finish_build(bundle_id, revision, **changes):
    """Record a build's outcome unless a newer one was asked for meanwhile.

    Returns (bundle, the file name it had before) or (None, None) when superseded.
    """
    with transaction.atomic():
        bundle = ResourceBundle.objects.select_for_update().filter(pk=bundle_id).first()
        if bundle is None or bundle.revision != revision:
            return None, None
        previous = bundle.file.name
        for name, value in changes.items():
            setattr(bundle, name, value)
        bundle.save()
        return bundle, previous


def build_bundle(*, bundle_id):
    """Build the bundle's ZIP and publish it; idempotent, memory flat in the bundle's size.

    A member whose file is missing fails the build with the resource named; the previous ZIP
    (if any) stays available. Returns the bundle, or None when the result was superseded.
    """
    with transaction.atomic():
        bundle = (
            ResourceBundle.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .filter(pk=bundle_id)
            .first()
        )
        if bundle is None:
            return None
        revision = bundle.revision
        bundle.status = BundleStatus.BUILDING
        bundle.save(update_fields=["status", "updated_at"])
    members = list(bundle.resources.published().order_by("pk"))
    storage = bundle.file.storage
    try:
        with tempfile.TemporaryFile(suffix=".zip") as spool:
            entries = write_bundle_archive(
                spool, bundle=bundle, members=members, storage=storage, revision=revision
            )
            size, sha256 = digest(spool)
            name = _bounded(storage).save(
                f"bundles/{bundle.pk}/bundle-{bundle.pk}-r{revision}.zip", spool
            )
    except BundleBuildError as exc:
        _finish_build(bundle_id, revision, status=BundleStatus.FAILED, error=exc.message)
        logger.warning("bundle %s not built: %s", bundle_id, exc.message)
        return None
    except Exception as exc:
        _finish_build(bundle_id, revision, status=BundleStatus.FAILED, error=str(exc))
        raise
    built, previous = _finish_build(
        bundle_id,
        revision,
        file=name,
        file_size=size,
        sha256=sha256,
        manifest=entries,
        status=BundleStatus.READY,
        error="",
        built_at=timezone.now(),
    )
    if built is None:
        storage.delete(name)  # superseded: the newer build publishes its own
    elif previous and previous != name:
        storage.delete(previous)
    return built


# ---------------------------------------------------------------------------
# Listing and downloading
# ---------------------------------------------------------------------------


def bundle_needs_sign_in(user, bundle_id):
    if getattr(user, "is_authenticated", False):
        return False
    return (
        ResourceBundle.objects.built().filter(pk=bundle_id, access=ResourceAccess.MEMBERS).exists()
    )


def record_bundle_download(*, bundle_id, user_id=None, client_network="", at=None, event_key=None):
    """Store one download event of a bundle (channel `bundle`) and count it, like a resource's.

    One UPDATE bumps the counter, so concurrent downloads never lose one; an event_key already
    stored (a task delivered twice) stores and counts nothing.
    """
    facility = (
        Membership.objects.filter(user_id=user_id)
        .order_by("id")
        .values_list("facility_id", "facility__region_id", "facility__province_id")
        .first()
        if user_id is not None
        else None
    ) or (None, None, "")
    if isinstance(at, str):
        at = datetime.datetime.fromisoformat(at)
    event = DownloadEvent(
        bundle_id=bundle_id,
        user_id=user_id,
        facility_id=facility[0],
        region_id=facility[1],
        province_code=facility[2] or "",
        channel=DownloadChannel.BUNDLE,
        client_network=client_network,
        created_at=at or timezone.now(),
        event_key=event_key,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                event.save(force_insert=True)
        except IntegrityError:
            return False
        ResourceBundle.objects.filter(pk=bundle_id).update(download_count=F("download_count") + 1)
    return True


def track_bundle_download(*, bundle_id, user, remote_addr):
    """Queue the recording of a bundle download, or write it here when the broker cannot be
    reached (as for resources); never raises, so tracking never refuses a download."""
    try:
        send_task(
            "resources.tasks.record_bundle_download_event",
            bundle_id=bundle_id,
            user_id=user.pk if getattr(user, "is_authenticated", False) else None,
            client_network=client_network(remote_addr),
            at=timezone.now().isoformat(),
            event_key=str(uuid.uuid4()),
        )
    except Exception:
        logger.exception("download of bundle %s not recorded", bundle_id)


def bundle_file_response(bundle):
    """The ZIP itself, served like a resource's file (signed URL, or streamed when local)."""
    return file_response(
        SimpleNamespace(
            file=bundle.file,
            original_filename=f"{bundle.title}.zip",
            content_type="application/zip",
        )
    )
