"""Exhibit care: hand-over checklists, repair tickets and the knowledge base of known faults.

A ticket goes open → diagnosing → resolved, or open|diagnosing → written_off (the exhibit is
retired). Every change is one function here, called by the API, the pages, the admin and the
demo loader alike. Each one locks the ticket row before looking at its status and the exhibit
row before recomputing the exhibit's status, writes the ticket's timeline, and recomputes the
set's `maintenance` status in the same transaction.

The exhibit's status follows its open tickets: under_repair while one is being diagnosed,
faulty while one is open, ok when none is left (missing and retired exhibits keep their status
until they are found or written off).

`by=None` means the platform itself (the demo loader) and skips the permission check, never
the other rules.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Func, TextField, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import BadRequest, InvalidTransition, NotAllowed
from config.images import InvalidImage, clean_photo
from facilities.notifications import facility_staff_emails, notify
from facilities.roles import get_scope

from ..models import (
    Exhibit,
    ExhibitionSet,
    ExhibitionSetStatus,
    ExhibitStatus,
    HandOver,
    HandOverCondition,
    HandOverItem,
    HandOverStage,
    KnownFault,
    RepairCause,
    RepairSeverity,
    RepairStatus,
    RepairTicket,
    RepairTicketPhoto,
    RepairTicketTransition,
)
from .exhibits import can_manage_set

S = RepairStatus

ALLOWED_TRANSITIONS = {
    S.OPEN: {S.DIAGNOSING, S.RESOLVED, S.WRITTEN_OFF},
    S.DIAGNOSING: {S.RESOLVED, S.WRITTEN_OFF},
    S.RESOLVED: set(),
    S.WRITTEN_OFF: set(),
}

MAX_PHOTOS_PER_TICKET = 10
SUGGESTION_LIMIT = 5


def _acting_user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def can_work_ticket(user, ticket):
    """The set's managers work tickets: operator staff, its coordinators, administrators."""
    return can_manage_set(user, ticket.exhibition_set)


def can_open_ticket(user, exhibit, stop=None):
    """The set's managers, and staff of the host facility of the stop the exhibit is at."""
    if can_manage_set(user, exhibit.exhibition_set):
        return True
    return (
        stop is not None and stop.host_id is not None and get_scope(user).belongs_to(stop.host_id)
    )


def ticket_url(ticket):
    path = reverse("repairs:ticket", args=[ticket.pk])
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


# ---------------------------------------------------------------------------
# Statuses that follow tickets
# ---------------------------------------------------------------------------


def _sync_exhibit_status(exhibit_id):
    """Recompute one exhibit's status from its open tickets (the exhibit row is locked)."""
    exhibit = Exhibit.objects.select_for_update().get(pk=exhibit_id)
    if exhibit.status in (ExhibitStatus.MISSING, ExhibitStatus.RETIRED):
        return exhibit
    statuses = set(
        RepairTicket.objects.filter(exhibit_id=exhibit_id)
        .still_open()
        .values_list("status", flat=True)
    )
    if S.DIAGNOSING in statuses:
        new = ExhibitStatus.UNDER_REPAIR
    elif S.OPEN in statuses:
        new = ExhibitStatus.FAULTY
    else:
        new = ExhibitStatus.OK
    if exhibit.status != new:
        exhibit.status = new
        exhibit.save(update_fields=["status", "updated_at"])
    return exhibit


def blocking_share(exhibition_set_id):
    """Share of the set's exhibits in use (not retired) that have an open blocking ticket."""
    in_use = (
        Exhibit.objects.filter(exhibition_set_id=exhibition_set_id)
        .exclude(status=ExhibitStatus.RETIRED)
        .count()
    )
    if not in_use:
        return 0.0
    blocked = (
        RepairTicket.objects.still_open()
        .filter(exhibition_set_id=exhibition_set_id, severity=RepairSeverity.BLOCKING)
        .exclude(exhibit__status=ExhibitStatus.RETIRED)
        .values("exhibit_id")
        .distinct()
        .count()
    )
    return blocked / in_use


def _sync_set_status(exhibition_set_id):
    """`maintenance` while blocking tickets cover more than EXHIBIT_MAINTENANCE_SHARE of the
    exhibits; back to touring (an open stop) or in storage when they no longer do."""
    from events.models import TourStopStatus

    exhibition_set = ExhibitionSet.objects.select_for_update().get(pk=exhibition_set_id)
    if exhibition_set.status == ExhibitionSetStatus.RETIRED:
        return exhibition_set
    if blocking_share(exhibition_set_id) > settings.EXHIBIT_MAINTENANCE_SHARE:
        new = ExhibitionSetStatus.MAINTENANCE
    elif exhibition_set.status == ExhibitionSetStatus.MAINTENANCE:
        touring = exhibition_set.stops.filter(status=TourStopStatus.OPEN).exists()
        new = ExhibitionSetStatus.TOURING if touring else ExhibitionSetStatus.IN_STORAGE
    else:
        return exhibition_set
    if exhibition_set.status != new:
        exhibition_set.status = new
        exhibition_set.save(update_fields=["status", "updated_at"])
    return exhibition_set


# ---------------------------------------------------------------------------
# Tickets
# ---------------------------------------------------------------------------


def _record(ticket, from_status, to_status, by, note=""):
    return RepairTicketTransition.objects.create(
        ticket=ticket,
        from_status=from_status,
        to_status=to_status,
        by=_acting_user(by),
        at=timezone.now(),
        note=note or "",
    )


def _tell_managers_of_blocking(ticket):
    if ticket.severity != RepairSeverity.BLOCKING:
        return
    exhibition_set = ticket.exhibition_set
    notify(
        emails=facility_staff_emails([exhibition_set.operator_id]),
        template="resources/mail/repair_ticket_blocking",
        context={"ticket": ticket, "exhibit": ticket.exhibit, "url": ticket_url(ticket)},
    )


def _tell_opener_of_resolution(ticket):
    opener = ticket.opened_by
    if opener is None or not opener.is_active or not opener.email:
        return
    notify(
        emails=[opener.email],
        template="resources/mail/repair_ticket_resolved",
        context={"ticket": ticket, "exhibit": ticket.exhibit, "url": ticket_url(ticket)},
    )


def _create_ticket(*, by, exhibit, stop, fault, cause, severity, handover_item=None, note=""):
    ticket = RepairTicket(
        exhibit=exhibit,
        exhibition_set_id=exhibit.exhibition_set_id,
        stop=stop,
        handover_item=handover_item,
        fault=fault,
        cause=cause or RepairCause.OTHER,
        severity=severity,
        opened_by=_acting_user(by),
        opened_at=timezone.now(),
    )
    ticket.full_clean(exclude=["exhibition_set", "known_fault", "handover_item", "stop"])
    ticket.save()
    _record(ticket, "", S.OPEN, by, note)
    return ticket


def open_ticket(*, by, exhibit, fault, severity, cause=RepairCause.OTHER, stop=None):
    """Open a ticket on an exhibit in use; its status becomes faulty (unless under repair).

    The stop, when given, must be a stop of the exhibit's set. Host staff of that stop may
    open tickets too; everyone else needs to manage the set.
    """
    fault = (fault or "").strip()
    if not fault:
        raise ValidationError({"fault": _("Describe the fault.")})
    if stop is not None and stop.exhibition_set_id != exhibit.exhibition_set_id:
        raise ValidationError({"stop": _("This stop is not a stop of the exhibit's set.")})
    if not can_open_ticket(by, exhibit, stop):
        raise NotAllowed(
            _("Only the set's managers and the staff hosting its stop may report a fault.")
        )
    with transaction.atomic():
        exhibit = Exhibit.objects.select_for_update().get(pk=exhibit.pk)
        if exhibit.status == ExhibitStatus.RETIRED:
            raise InvalidTransition(_("This exhibit is retired; it takes no new tickets."))
        ticket = _create_ticket(
            by=by, exhibit=exhibit, stop=stop, fault=fault, cause=cause, severity=severity
        )
        _sync_exhibit_status(exhibit.pk)
        _sync_set_status(exhibit.exhibition_set_id)
        transaction.on_commit(lambda: _tell_managers_of_blocking(ticket))
    return ticket


def _lock(ticket):
    return (
        RepairTicket.objects.select_for_update(of=("self",))
        .select_related("exhibit", "exhibition_set__operator")
        .get(pk=ticket.pk)
    )


def _refused(locked, to_status):
    current = RepairStatus(locked.status).label
    messages = {
        S.DIAGNOSING: _("Only an open ticket can be diagnosed; this one is “%(status)s”."),
        S.RESOLVED: _(
            "Only an open or diagnosing ticket can be resolved; this one is “%(status)s”."
        ),
        S.WRITTEN_OFF: _(
            "Only an open or diagnosing ticket can be written off; this one is “%(status)s”."
        ),
    }
    return InvalidTransition(messages[to_status] % {"status": current})


def _move(ticket, to_status, by, note, **changes):
    """Lock, check permission and transition, record; the caller syncs the statuses."""
    locked = _lock(ticket)
    if not can_work_ticket(by, locked):
        raise NotAllowed(_("Only the managers of the exhibit's set may work its tickets."))
    if to_status not in ALLOWED_TRANSITIONS[locked.status]:
        raise _refused(locked, to_status)
    from_status = locked.status
    locked.status = to_status
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", "updated_at", *changes])
    _record(locked, from_status, to_status, by, note)
    return locked


def _copy_back(ticket, locked):
    if ticket is not locked:
        for field in RepairTicket._meta.concrete_fields:
            setattr(ticket, field.attname, getattr(locked, field.attname))
    return ticket


def diagnose_ticket(*, by, ticket, note=""):
    """`open → diagnosing`: someone is working on it; the exhibit is under repair."""
    with transaction.atomic():
        locked = _move(ticket, S.DIAGNOSING, by, note)
        _sync_exhibit_status(locked.exhibit_id)
    return _copy_back(ticket, locked)


def resolve_ticket(*, by, ticket, resolution, known_fault=None, new_known_fault=False):
    """`open|diagnosing → resolved` with what was done.

    `known_fault` (a fault of the same exhibit model) is linked and its `times_used` grows by
    one in the same statement; `new_known_fault=True` records the ticket's fault and this
    resolution as a new known fault of the model instead.
    """
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say what was done to fix it.")})
    with transaction.atomic():
        locked = _lock(ticket)
        if known_fault is not None and known_fault.model != locked.exhibit.model:
            raise ValidationError(
                {"known_fault": _("This known fault belongs to another exhibit model.")}
            )
        if known_fault is None and new_known_fault:
            if not can_work_ticket(by, locked):
                raise NotAllowed(_("Only the managers of the exhibit's set may work its tickets."))
            known_fault = KnownFault.objects.create(
                model=locked.exhibit.model,
                symptom=locked.fault,
                fix=resolution,
                created_by=_acting_user(by),
            )
        locked = _move(
            locked,
            S.RESOLVED,
            by,
            resolution,
            resolution=resolution,
            resolved_at=timezone.now(),
            known_fault=known_fault,
        )
        if known_fault is not None:
            KnownFault.objects.filter(pk=known_fault.pk).update(times_used=F("times_used") + 1)
        _sync_exhibit_status(locked.exhibit_id)
        _sync_set_status(locked.exhibition_set_id)
        transaction.on_commit(lambda: _tell_opener_of_resolution(locked))
    return _copy_back(ticket, locked)


def write_off_ticket(*, by, ticket, note=""):
    """`open|diagnosing → written_off`: the exhibit cannot be repaired and is retired."""
    with transaction.atomic():
        locked = _move(ticket, S.WRITTEN_OFF, by, note, resolved_at=timezone.now())
        exhibit = Exhibit.objects.select_for_update().get(pk=locked.exhibit_id)
        exhibit.status = ExhibitStatus.RETIRED
        exhibit.save(update_fields=["status", "updated_at"])
        _sync_set_status(locked.exhibition_set_id)
    return _copy_back(ticket, locked)


def add_ticket_photo(*, by, ticket, image):
    """Store a checked, upright, metadata-free copy of a photo of the fault (as activity
    photos are); nothing is stored when the upload is refused or the row cannot be written."""
    clean = clean_photo(image)
    field = RepairTicketPhoto._meta.get_field("image")
    with transaction.atomic():
        locked = _lock(ticket)
        if not (can_work_ticket(by, locked) or (by is not None and locked.opened_by_id == by.pk)):
            raise NotAllowed(_("Only the set's managers and the reporter may add photos."))
        if locked.photos.count() >= MAX_PHOTOS_PER_TICKET:
            raise BadRequest(
                _("A ticket can have at most %(limit)s photos.") % {"limit": MAX_PHOTOS_PER_TICKET}
            )
        name = field.generate_filename(RepairTicketPhoto(ticket=locked), f"fault{clean.extension}")
        stored = field.storage.save(name, ContentFile(clean.content))
        try:
            photo = RepairTicketPhoto.objects.create(
                ticket=locked,
                image=stored,
                width=clean.width,
                height=clean.height,
                uploaded_by=_acting_user(by),
            )
        except Exception:
            field.storage.delete(stored)
            raise
    return photo


# ---------------------------------------------------------------------------
# Missing exhibits
# ---------------------------------------------------------------------------


def mark_exhibit_found(*, by, exhibit):
    """A missing exhibit is back: its status follows its tickets again."""
    with transaction.atomic():
        exhibit = (
            Exhibit.objects.select_for_update().select_related("exhibition_set").get(pk=exhibit.pk)
        )
        if not can_manage_set(by, exhibit.exhibition_set):
            raise NotAllowed(_("Only the managers of this exhibition set may change it."))
        if exhibit.status != ExhibitStatus.MISSING:
            raise InvalidTransition(_("Only a missing exhibit can be found."))
        exhibit.status = ExhibitStatus.OK
        exhibit.save(update_fields=["status", "updated_at"])
        return _sync_exhibit_status(exhibit.pk)


def write_off_missing_exhibit(*, by, exhibit):
    """A missing exhibit that will not come back is retired."""
    with transaction.atomic():
        exhibit = (
            Exhibit.objects.select_for_update().select_related("exhibition_set").get(pk=exhibit.pk)
        )
        if not can_manage_set(by, exhibit.exhibition_set):
            raise NotAllowed(_("Only the managers of this exhibition set may change it."))
        if exhibit.status != ExhibitStatus.MISSING:
            raise InvalidTransition(_("Only a missing exhibit can be written off this way."))
        exhibit.status = ExhibitStatus.RETIRED
        exhibit.save(update_fields=["status", "updated_at"])
        _sync_set_status(exhibit.exhibition_set_id)
    return exhibit


# ---------------------------------------------------------------------------
# Hand-over checklists
# ---------------------------------------------------------------------------


def _previous_dismantle_conditions(stop):
    """Exhibit id → condition at the dismantle of the set's previous stop (empty if none)."""
    from events.models import TourStop, TourStopStatus

    previous = (
        TourStop.objects.filter(
            exhibition_set_id=stop.exhibition_set_id, starts_on__lt=stop.starts_on
        )
        .exclude(status=TourStopStatus.CANCELLED)
        .order_by("-starts_on", "-id")
        .first()
    )
    if previous is None:
        return {}
    return dict(
        HandOverItem.objects.filter(
            handover__stop=previous, handover__stage=HandOverStage.DISMANTLE
        ).values_list("exhibit_id", "condition")
    )


def checklist_problems(*, exhibits, items):
    """What is wrong with a checklist's items: a list of messages naming the offending items.

    `exhibits` are the exhibits of the set that must appear (all but the retired ones),
    `items` the (exhibit id, condition, note) given.
    """
    expected = {e.pk: e for e in exhibits}
    seen, problems = set(), []
    for exhibit_id, condition, _note in items:
        if exhibit_id in seen:
            problems.append(_("Exhibit %(id)s is listed more than once.") % {"id": exhibit_id})
        elif exhibit_id not in expected:
            problems.append(
                _("Exhibit %(id)s is not an exhibit of this set in use.") % {"id": exhibit_id}
            )
        if condition not in HandOverCondition.values:
            problems.append(
                _("Exhibit %(id)s: “%(condition)s” is not a condition (ok, damaged, missing).")
                % {"id": exhibit_id, "condition": condition}
            )
        seen.add(exhibit_id)
    left_out = [e for pk, e in expected.items() if pk not in seen]
    if left_out:
        problems.append(
            _("These exhibits are missing from the checklist: %(codes)s.")
            % {"codes": ", ".join(f"{e.code} ({e.pk})" for e in left_out)}
        )
    return problems


def record_handover(*, by, stop, stage, items, severity=RepairSeverity.DEGRADED, photos=None):
    """Record a set-up or dismantle checklist of a stop: all of it or nothing.

    Every exhibit of the set in use (not retired) appears exactly once; anything else is a
    BadRequest naming the offending items. Set-up needs a planned or open stop, dismantle an
    open or closed one; each stage is recorded once per stop. A damaged exhibit opens a repair
    ticket linked to the stop (cause `transport` at set-up when the previous stop's dismantle
    found it in order); a missing one becomes `missing`; one found again becomes ok.

    `photos` ({exhibit id: uploaded file}, optional) are checked and re-encoded like activity
    photos before anything is written; a refused photo refuses the whole checklist, and files
    already stored are removed again when the checklist cannot be written.
    """
    if stage not in HandOverStage.values:
        raise ValidationError({"stage": _("The stage is set-up or dismantle.")})
    items = [(int(e), c, (n or "").strip()) for e, c, n in items]
    cleaned = _clean_photos(photos or {})
    stored = []
    try:
        handover = _record_handover(
            by=by,
            stop=stop,
            stage=stage,
            items=items,
            severity=severity,
            photos=cleaned,
            stored=stored,
        )
    except Exception:
        field = HandOverItem._meta.get_field("photo")
        for name in stored:
            field.storage.delete(name)
        raise
    return handover


def _clean_photos(photos):
    cleaned = {}
    for exhibit_id, upload in photos.items():
        try:
            cleaned[int(exhibit_id)] = clean_photo(upload)
        except InvalidImage as error:
            raise InvalidImage(
                _("Photo of exhibit %(id)s: %(reason)s")
                % {"id": exhibit_id, "reason": error.message}
            ) from None
    return cleaned


def _record_handover(*, by, stop, stage, items, severity, photos, stored):
    from events.models import TourStop, TourStopStatus

    with transaction.atomic():
        stop = (
            TourStop.objects.select_for_update(of=("self",))
            .select_related("exhibition_set__operator")
            .get(pk=stop.pk)
        )
        if not can_manage_set(by, stop.exhibition_set):
            raise NotAllowed(_("Only the managers of the set record its hand-over checklists."))
        allowed = {
            HandOverStage.SETUP: (TourStopStatus.PLANNED, TourStopStatus.OPEN),
            HandOverStage.DISMANTLE: (TourStopStatus.OPEN, TourStopStatus.CLOSED),
        }[stage]
        if stop.status not in allowed:
            raise InvalidTransition(
                _("A %(stage)s checklist cannot be recorded on a stop that is “%(status)s”.")
                % {
                    "stage": HandOverStage(stage).label.lower(),
                    "status": TourStopStatus(stop.status).label,
                }
            )
        if HandOver.objects.filter(stop=stop, stage=stage).exists():
            raise InvalidTransition(_("This checklist has been recorded for the stop already."))
        # Locked in primary-key order so two checklists of one set never deadlock.
        exhibits = list(
            Exhibit.objects.select_for_update()
            .filter(exhibition_set_id=stop.exhibition_set_id)
            .exclude(status=ExhibitStatus.RETIRED)
            .order_by("pk")
        )
        problems = checklist_problems(exhibits=exhibits, items=items)
        given = {e for e, _c, _n in items}
        problems += [
            _("A photo is given for exhibit %(id)s, which is not in the checklist.") % {"id": e}
            for e in photos
            if e not in given
        ]
        if problems:
            raise BadRequest(" ".join(problems))
        by_id = {e.pk: e for e in exhibits}
        earlier = _previous_dismantle_conditions(stop) if stage == HandOverStage.SETUP else {}
        try:
            with transaction.atomic():
                handover = HandOver.objects.create(
                    stop=stop, stage=stage, recorded_by=_acting_user(by), recorded_at=timezone.now()
                )
        except IntegrityError:
            raise InvalidTransition(
                _("This checklist has been recorded for the stop already.")
            ) from None
        field = HandOverItem._meta.get_field("photo")
        names = {}
        for exhibit_id, clean in photos.items():
            name = field.generate_filename(None, f"handover{clean.extension}")
            names[exhibit_id] = field.storage.save(name, ContentFile(clean.content))
            stored.append(names[exhibit_id])
        created = HandOverItem.objects.bulk_create(
            HandOverItem(
                handover=handover, exhibit_id=e, condition=c, note=n, photo=names.get(e, "")
            )
            for e, c, n in items
        )
        tickets = []
        for item in created:
            exhibit = by_id[item.exhibit_id]
            if item.condition == HandOverCondition.MISSING:
                if exhibit.status != ExhibitStatus.MISSING:
                    exhibit.status = ExhibitStatus.MISSING
                    exhibit.save(update_fields=["status", "updated_at"])
                continue
            if exhibit.status == ExhibitStatus.MISSING:
                # Found again at this hand-over.
                exhibit.status = ExhibitStatus.OK
                exhibit.save(update_fields=["status", "updated_at"])
            if item.condition == HandOverCondition.DAMAGED:
                transported = earlier.get(exhibit.pk) == HandOverCondition.OK
                stage_label = HandOverStage(stage).label
                tickets.append(
                    _create_ticket(
                        by=by,
                        exhibit=exhibit,
                        stop=stop,
                        handover_item=item,
                        fault=item.note or _("Damaged at %(stage)s.") % {"stage": stage_label},
                        cause=RepairCause.TRANSPORT if transported else RepairCause.OTHER,
                        severity=severity,
                        note=_("Found at the %(stage)s checklist.") % {"stage": stage_label},
                    )
                )
            _sync_exhibit_status(exhibit.pk)
        _sync_set_status(stop.exhibition_set_id)
        for ticket in tickets:
            transaction.on_commit(lambda t=ticket: _tell_managers_of_blocking(t))
    handover.opened_tickets = tickets
    return handover


# ---------------------------------------------------------------------------
# Known faults
# ---------------------------------------------------------------------------


def can_add_known_fault(user):
    return get_scope(user).is_reviewer


def add_known_fault(*, by, model, symptom, fix):
    """A known fault written by hand: administrators and coordinators only."""
    if by is not None and not can_add_known_fault(by):
        raise NotAllowed(_("Only administrators and coordinators may add known faults."))
    fault = KnownFault(
        model=(model or "").strip(),
        symptom=(symptom or "").strip(),
        fix=(fix or "").strip(),
        created_by=_acting_user(by),
    )
    fault.full_clean()
    fault.save()
    return fault


# Han characters (CJK unified ideographs and extension A), as a regular-expression class that
# Python and PostgreSQL read alike.
HAN = "[\u3400-\u9fff]"


def spaced_han(text):
    """Each Han character as a word of its own, other text untouched.

    pg_trgm reads a run of Chinese characters without spaces as one long word, so its trigrams
    are three-character windows that a reworded fault rarely shares ("显示屏黑屏不亮" and
    "屏幕不亮，黑屏" share one, similarity 0.07). As one-character words, similarity becomes the
    overlap of the characters used (0.57 for that pair), which is what matches Chinese symptoms.
    """
    return re.sub(f"({HAN})", r" \1 ", text)


def suggest_fixes(*, model, text, limit=SUGGESTION_LIMIT):
    """Known faults of the exhibit model whose symptom resembles `text`, best first.

    PostgreSQL ranks by pg_trgm similarity of the symptom and the fault text with every Han
    character spaced out (see `spaced_han`), keeps those above KNOWN_FAULT_MIN_SIMILARITY, and
    breaks ties by the plain trigram similarity (which rewards characters in the same order),
    then by use. SQLite keeps symptoms containing the text or contained in it, most used first.
    """
    text = (text or "").strip()
    if not text:
        return []
    faults = KnownFault.objects.filter(model=model)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        spaced_symptom = Func(
            F("symptom"),
            Value(f"({HAN})"),
            Value(r" \1 "),
            Value("g"),
            function="regexp_replace",
            output_field=TextField(),
        )
        return list(
            faults.annotate(
                similarity=TrigramSimilarity(spaced_symptom, spaced_han(text)),
                in_order=TrigramSimilarity("symptom", text),
            )
            .filter(similarity__gt=settings.KNOWN_FAULT_MIN_SIMILARITY)
            .order_by("-similarity", "-in_order", "-times_used", "id")[:limit]
        )
    found = list(faults.filter(symptom__icontains=text).order_by("-times_used", "id")[:limit])
    if len(found) < limit:
        # Symptoms contained in the fault text (the text says more than the symptom).
        for fault in faults.exclude(pk__in=[f.pk for f in found]).order_by("-times_used", "id"):
            if fault.symptom and fault.symptom in text:
                found.append(fault)
                if len(found) == limit:
                    break
    for fault in found:
        fault.similarity = None
    return found
