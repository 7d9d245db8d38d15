"""Bulk distributions: one kit pushed to thousands of facilities, exactly once each.

`start_distribution` (called by the page and the API) validates the targets, refuses up front
when the stock cannot cover them, saves the distribution and queues `run_distribution` after
commit. The task then works in three kinds of steps, each ONE transaction that begins by
locking the distribution row, so that a retry, a second delivery or a worker killed mid-run and
restarted can only repeat a step that did not commit, and concurrent runners take turns:

- prepare (once, while `queued`): freezes the ordered list of eligible facility ids in
  `targets`, records every ineligible target as a skip with its reason, and reserves the stock
  of all eligible targets up front: the units of facilities of a province that has an
  allotment of the kit come from that allotment (one conditional UPDATE per allotment, rows
  locked in primary-key order before the kit row), all others from the kit's unallotted
  stock in ONE `take_stock`; `allotment_plan` remembers which allotment serves which province. Without `allow_partial`, when the stock cannot
  cover every eligible target (an allotment its province's facilities, or the unallotted
  stock the others), the transaction rolls back and the distribution fails: no allocation, no
  stock taken. With `allow_partial`, it reserves what the stock allows; the eligible
  facilities are served in ascending facility id, each while its source has units left, and
  the others are recorded as skipped (`out_of_stock`).
- chunk (repeated): inserts the allocations of `targets[cursor:cursor + chunk]` with ON
  CONFLICT DO NOTHING (the `one_allocation_per_distribution_and_facility` constraint), moves
  `inserted × quantity` units from `reserved` to the allocations, records their timeline in
  bulk and advances cursor and counters. A chunk happens entirely or not at all.
- finish: gives back what remains reserved (only when targets turned out to be allocated
  already), marks the distribution done and mails the staff of the facilities served.

Eligibility (approved facility, matching the criteria) is decided once, at prepare.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Participation, ParticipationStatus
from campaigns.stats import figures_changed
from config.errors import BadRequest, InsufficientStock, NotAllowed
from config.tasks import LATER, send_task, send_task_on_commit
from facilities.models import Facility, FacilityKind, FacilityStatus, Region
from facilities.notifications import facility_staff_emails, notify
from facilities.roles import get_scope

from ..models import (
    Allotment,
    Distribution,
    DistributionSkip,
    DistributionStatus,
    Kit,
    KitRequest,
    KitRequestOrigin,
    KitRequestStatus,
    SkipReason,
)
from .kits import record_stock_history, record_transitions_bulk
from .stock import return_allotted_stock, return_stock, take_allotted_stock, take_stock

# The list parser is part of this service's API: the page and the API read uploads through it.
from .targets import read_facility_list, resolve_facility_labels  # noqa: F401

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 500


def chunk_size():
    return getattr(settings, "DISTRIBUTION_CHUNK_SIZE", DEFAULT_CHUNK_SIZE) or DEFAULT_CHUNK_SIZE


def classify_targets(*, campaign=None, province=None, kind="", facility_ids=()):
    """(eligible facility ids in ascending order, [(facility id or None, label, reason)]).

    Without an explicit list, the targets are the facilities matching every criterion given
    (approved participants of the campaign, in the province or below it, of the kind); the
    ones among them that are not approved are skipped. With an explicit list, every listed
    facility is a target and each one that does not match a criterion is skipped with why.
    """
    facilities = Facility.objects.all()
    if facility_ids:
        facilities = facilities.filter(pk__in=facility_ids)
    else:
        if campaign is not None:
            facilities = facilities.filter(
                participations__campaign=campaign,
                participations__status=ParticipationStatus.APPROVED,
            )
        if province is not None:
            facilities = facilities.filter(region__code__startswith=province.descendant_prefix())
        if kind:
            facilities = facilities.filter(kind=kind)
    rows = facilities.order_by("pk").values_list("pk", "status", "kind", "region_id").distinct()

    participants = None
    if facility_ids and campaign is not None:
        participants = set(
            Participation.objects.filter(
                campaign=campaign,
                status=ParticipationStatus.APPROVED,
                facility_id__in=facility_ids,
            ).values_list("facility_id", flat=True)
        )
    prefix = province.descendant_prefix() if province is not None else None

    eligible, skips, seen = [], [], set()
    for pk, status, facility_kind, region_id in rows:
        seen.add(pk)
        reason = None
        if participants is not None and pk not in participants:
            reason = SkipReason.NOT_PARTICIPANT
        elif facility_ids and prefix and not region_id.startswith(prefix):
            reason = SkipReason.OUTSIDE_PROVINCE
        elif facility_ids and kind and facility_kind != kind:
            reason = SkipReason.OTHER_KIND
        elif status != FacilityStatus.APPROVED:
            reason = SkipReason.NOT_APPROVED
        if reason is None:
            eligible.append(pk)
        else:
            skips.append((pk, "", reason))
    for pk in sorted(set(facility_ids) - seen):
        skips.append((None, str(pk), SkipReason.UNKNOWN_FACILITY))
    return eligible, skips


def _stock_refusal(*, kit, eligible, quantity, available=None):
    return InsufficientStock(
        _(
            "Not enough stock of %(kit)s: %(count)d facilities × %(quantity)d = %(needed)d units "
            "are needed and %(available)d are available. Nothing was allocated; add stock, "
            "narrow the targets or choose “as far as stock allows”."
        )
        % {
            "kit": kit.code,
            "count": eligible,
            "quantity": quantity,
            "needed": eligible * quantity,
            "available": kit.quantity_available if available is None else available,
        }
    )


def _allotment_refusal(*, kit, allotment, needed):
    return InsufficientStock(
        _(
            "Not enough allotted to %(province)s for %(kit)s: %(needed)d units are needed for "
            "its facilities and %(left)d are left in its allotment. Nothing was allocated; "
            "raise the allotment, narrow the targets or choose “as far as stock allows”."
        )
        % {
            "province": allotment.province.name,
            "kit": kit.code,
            "needed": needed,
            "left": allotment.quantity - allotment.used,
        }
    )


def plan_sources(*, kit, eligible, quantity, allotments, allow_partial):
    """Which eligible facilities are served, and from where.

    `allotments` are the kit's allotments (locked by the caller when it reserves). A facility
    of a province with an allotment takes its units from it, any other from the unallotted
    stock. Returns (served ids, left-out ids, {province: allotment}, units per allotment id,
    unallotted units); without `allow_partial`, raises InsufficientStock when a source cannot
    cover its facilities.
    """
    by_province = {a.province_id: a for a in allotments}
    province_of = {}
    if by_province:
        province_of = dict(
            Facility.objects.filter(pk__in=eligible).values_list("pk", "province_id")
        )
    room = {a.pk: a.quantity - a.used for a in allotments}
    free = kit.quantity_available - kit.quantity_allotted_left
    needed = {a.pk: 0 for a in allotments}
    served, left_out, unallotted = [], [], 0
    for pk in eligible:
        allotment = by_province.get(province_of.get(pk))
        if allotment is None:
            fits = unallotted + quantity <= free
        else:
            fits = needed[allotment.pk] + quantity <= room[allotment.pk]
        if not fits and allow_partial:
            left_out.append(pk)
            continue
        served.append(pk)
        if allotment is None:
            unallotted += quantity
        else:
            needed[allotment.pk] += quantity
    if not allow_partial:
        for allotment in allotments:
            if needed[allotment.pk] > room[allotment.pk]:
                raise _allotment_refusal(kit=kit, allotment=allotment, needed=needed[allotment.pk])
        if unallotted > free:
            raise _stock_refusal(
                kit=kit, eligible=unallotted // quantity, quantity=quantity, available=free
            )
    used = {province: a for province, a in by_province.items() if needed[a.pk]}
    return served, left_out, used, {pk: n for pk, n in needed.items() if n}, unallotted


# ---------------------------------------------------------------------------
# Starting a distribution (the request)
# ---------------------------------------------------------------------------


def start_distribution(
    *,
    kit,
    quantity_per_facility,
    by,
    campaign=None,
    province=None,
    kind="",
    facility_ids=(),
    facility_labels=(),
    allow_partial=False,
):
    """Save a queued distribution of `kit` and queue its task; returns it at once.

    Only national administrators distribute. Refuses (InsufficientStock, nothing saved) when
    the stock cannot cover every eligible target, unless `allow_partial`; refuses (BadRequest)
    when no target is chosen or none is found. Labels from an uploaded list (ids or names)
    that match no single facility are kept as skipped with their reason.
    """
    if not get_scope(by).is_admin:
        raise NotAllowed(_("Only national administrators start bulk distributions."))
    if quantity_per_facility is None or quantity_per_facility < 1:
        raise BadRequest(_("The quantity per facility must be at least 1."))
    if kind and kind not in FacilityKind.values:
        raise BadRequest(_("Unknown kind of facility."))
    if isinstance(province, str):
        province = Region.objects.filter(pk=province).first()
        if province is None:
            raise BadRequest(_("Unknown province."))
    explicit_ids = list(dict.fromkeys(int(pk) for pk in facility_ids or ()))
    unresolved = []
    if facility_labels:
        resolved, unresolved = resolve_facility_labels(facility_labels)
        if not resolved and not explicit_ids:
            raise BadRequest(
                _("None of the %(count)d rows of the list names a known facility.")
                % {"count": len(unresolved)}
            )
        explicit_ids = list(dict.fromkeys(explicit_ids + resolved))
    if campaign is None and province is None and not kind and not explicit_ids:
        raise BadRequest(
            _("Choose the targets: a campaign, a province, a kind of facility or a list.")
        )
    eligible, skips = classify_targets(
        campaign=campaign, province=province, kind=kind, facility_ids=explicit_ids
    )
    if not eligible and not skips and not unresolved:
        raise BadRequest(_("No facility matches these targets."))
    if not allow_partial:
        plan_sources(
            kit=Kit.objects.get(pk=kit.pk),  # the counters as they are now
            eligible=eligible,
            quantity=quantity_per_facility,
            allotments=list(kit.allotments.select_related("province")),
            allow_partial=False,
        )

    with transaction.atomic():
        distribution = Distribution.objects.create(
            kit=kit,
            quantity_per_facility=quantity_per_facility,
            campaign=campaign,
            province=province,
            kind=kind or "",
            facility_ids=explicit_ids,
            allow_partial=allow_partial,
            created_by=by,
        )
        DistributionSkip.objects.bulk_create(
            DistributionSkip(distribution=distribution, facility_label=label[:255], reason=reason)
            for label, reason in unresolved
        )
        # Broker down: the distribution waits in `queued` for resume_unfinished_distributions.
        send_task_on_commit(
            "resources.tasks.run_distribution", distribution.pk, if_unreachable=LATER
        )
    return distribution


def queue_distribution(distribution_id):
    """Send the task; if the broker cannot take it, the distribution waits in `queued` until
    resume_unfinished_distributions picks it up (worker start, or every few minutes)."""
    return send_task("resources.tasks.run_distribution", distribution_id, if_unreachable=LATER)


def resume_unfinished_distributions(*, queued_before=None):
    """Queue the task again for distributions not finished; the ids queued.

    After a worker start, all unfinished ones (a worker may have died running one); with
    `queued_before`, only those still waiting since then (their message never went out).
    Harmless if one is still being run elsewhere: runners take turns on its lock and each
    chunk happens once.
    """
    unfinished = Distribution.objects.filter(
        status__in=[DistributionStatus.QUEUED, DistributionStatus.RUNNING]
    )
    if queued_before is not None:
        unfinished = unfinished.filter(
            status=DistributionStatus.QUEUED, created_at__lt=queued_before
        )
    ids = list(unfinished.values_list("pk", flat=True))
    for distribution_id in ids:
        queue_distribution(distribution_id)
    return ids


# ---------------------------------------------------------------------------
# Running it (the task)
# ---------------------------------------------------------------------------


def _locked(distribution_id):
    return Distribution.objects.select_for_update(of=("self",)).get(pk=distribution_id)


def run_distribution(*, distribution_id, size=None):
    """Prepare, allocate chunk after chunk and finish; safe to call any number of times.

    Returns the distribution as it stands at the end of this call.
    """
    size = size or chunk_size()
    if _prepare(distribution_id):
        while _allocate_next_chunk(distribution_id, size):
            pass
    return Distribution.objects.get(pk=distribution_id)


def _prepare(distribution_id):
    """Freeze targets and reserve stock once; True when there is allocation work to do."""
    try:
        with transaction.atomic():
            distribution = _locked(distribution_id)
            if distribution.status != DistributionStatus.QUEUED:
                return distribution.status == DistributionStatus.RUNNING
            eligible, skips = classify_targets(
                campaign=distribution.campaign,
                province=distribution.province,
                kind=distribution.kind,
                facility_ids=distribution.facility_ids,
            )
            given_skips = distribution.skips.count()  # unresolved rows of an uploaded list
            quantity = distribution.quantity_per_facility
            # Lock order: allotments by pk, then the kit (as every stock change does).
            allotments = list(
                Allotment.objects.select_for_update(of=("self",))
                .select_related("province")
                .filter(kit_id=distribution.kit_id)
                .order_by("pk")
            )
            kit = Kit.objects.select_for_update().get(pk=distribution.kit_id)
            eligible, left_out, by_province, per_allotment, unallotted = plan_sources(
                kit=kit,
                eligible=eligible,
                quantity=quantity,
                allotments=allotments,
                allow_partial=distribution.allow_partial,
            )
            skips += [(pk, "", SkipReason.OUT_OF_STOCK) for pk in left_out]
            units = len(eligible) * quantity
            for allotment_id, allotted_units in per_allotment.items():
                take_allotted_stock(
                    kit_id=kit.pk, allotment_id=allotment_id, quantity=allotted_units
                )
            if unallotted:
                take_stock(kit_id=kit.pk, quantity=unallotted)
            distribution.allotment_plan = {
                province: {"allotment": a.pk, "units": per_allotment[a.pk]}
                for province, a in by_province.items()
            }
            if units:
                record_stock_history(
                    kit_id=kit.pk,
                    by=distribution.created_by,
                    reason=_("Distribution #%(id)d reserved %(units)d units")
                    % {"id": distribution.pk, "units": units},
                )
            DistributionSkip.objects.bulk_create(
                (
                    DistributionSkip(
                        distribution=distribution,
                        facility_id=pk,
                        facility_label=label,
                        reason=reason,
                    )
                    for pk, label, reason in skips
                ),
                batch_size=1000,
                ignore_conflicts=True,
            )
            distribution.targets = eligible
            distribution.cursor = 0
            distribution.reserved = units
            distribution.total = len(eligible) + len(skips) + given_skips
            distribution.processed = distribution.skipped = len(skips) + given_skips
            distribution.allocated = 0
            distribution.status = DistributionStatus.RUNNING
            distribution.started_at = timezone.now()
            distribution.save()
            return True
    except InsufficientStock as exc:
        fail_distribution(distribution_id=distribution_id, error=exc.message)
        return False


def _allocate_next_chunk(distribution_id, size):
    """Allocate the next chunk of targets in one transaction; False once nothing is left."""
    with transaction.atomic():
        distribution = _locked(distribution_id)
        if distribution.status != DistributionStatus.RUNNING:
            return False
        chunk = distribution.targets[distribution.cursor : distribution.cursor + size]
        if not chunk:
            _finish(distribution)
            return False
        existing = set(
            KitRequest.objects.filter(
                distribution_id=distribution.pk, facility_id__in=chunk
            ).values_list("facility_id", flat=True)
        )
        fresh = [pk for pk in chunk if pk not in existing]
        plan = distribution.allotment_plan or {}
        allotment_of = {}
        if plan:
            allotment_of = {
                pk: plan[province]["allotment"]
                for pk, province in Facility.objects.filter(pk__in=fresh).values_list(
                    "pk", "province_id"
                )
                if province in plan
            }
        now = timezone.now()
        by = distribution.created_by
        KitRequest.objects.bulk_create(
            [
                KitRequest(
                    kit_id=distribution.kit_id,
                    facility_id=pk,
                    allotment_id=allotment_of.get(pk),
                    quantity=distribution.quantity_per_facility,
                    purpose=_("Bulk distribution #%(id)d") % {"id": distribution.pk},
                    status=KitRequestStatus.APPROVED,
                    origin=KitRequestOrigin.DISTRIBUTION,
                    distribution_id=distribution.pk,
                    created_by=by,
                    approved_at=now,
                )
                for pk in fresh
            ],
            ignore_conflicts=True,
        )
        # Under the distribution lock nobody else inserts allocations of this distribution,
        # so the rows of `fresh` that exist now are exactly the ones this statement inserted.
        created = list(
            KitRequest.objects.filter(distribution_id=distribution.pk, facility_id__in=fresh)
        )
        if created:  # bulk_create sends no signal: the figures must hear of the allocations
            figures_changed(distribution.kit.campaign_id)
        units = len(created) * distribution.quantity_per_facility
        if units > distribution.reserved:
            raise RuntimeError(f"distribution {distribution.pk} allocates beyond its reservation")
        note = _("Allocated by bulk distribution #%(id)d") % {"id": distribution.pk}
        record_transitions_bulk(
            (request, "", KitRequestStatus.APPROVED, by, note) for request in created
        )
        KitRequest.history.bulk_history_create(
            created, default_user=by, default_change_reason=note[:100], default_date=now
        )
        served = {request.facility_id for request in created}
        already = [pk for pk in chunk if pk not in served]
        DistributionSkip.objects.bulk_create(
            [
                DistributionSkip(
                    distribution=distribution,
                    facility_id=pk,
                    reason=SkipReason.ALREADY_ALLOCATED,
                )
                for pk in already
            ],
            ignore_conflicts=True,
        )
        distribution.reserved -= units
        for request in created:
            if request.allotment_id is not None:
                for entry in plan.values():
                    if entry["allotment"] == request.allotment_id:
                        entry["units"] -= distribution.quantity_per_facility
        distribution.allotment_plan = plan
        distribution.cursor += len(chunk)
        distribution.processed += len(chunk)
        distribution.allocated += len(created)
        distribution.skipped += len(already)
        distribution.save(
            update_fields=[
                "reserved",
                "allotment_plan",
                "cursor",
                "processed",
                "allocated",
                "skipped",
            ]
        )
        return True


def _release_reservation(distribution):
    """Give back what the distribution still reserves: to each allotment its part, the rest
    to the unallotted stock. Inside the caller's transaction, distribution row locked."""
    rest = distribution.reserved
    for entry in (distribution.allotment_plan or {}).values():
        if entry["units"]:
            return_allotted_stock(
                kit_id=distribution.kit_id,
                allotment_id=entry["allotment"],
                quantity=entry["units"],
            )
            rest -= entry["units"]
            entry["units"] = 0
    if rest:
        return_stock(kit_id=distribution.kit_id, quantity=rest)
    distribution.reserved = 0


def _finish(distribution):
    """Inside the chunk transaction: return unused reservation, mark done, queue the mail."""
    if distribution.reserved:
        units = distribution.reserved
        _release_reservation(distribution)
        record_stock_history(
            kit_id=distribution.kit_id,
            by=distribution.created_by,
            reason=_("Distribution #%(id)d returned %(units)d unused units")
            % {"id": distribution.pk, "units": units},
        )
    distribution.status = DistributionStatus.DONE
    distribution.finished_at = timezone.now()
    distribution.save(update_fields=["reserved", "allotment_plan", "status", "finished_at"])
    notify_allocated_facilities(distribution)


def notify_allocated_facilities(distribution):
    """Mail the staff of every facility served: one rendered message, batched tasks."""
    served = KitRequest.objects.filter(distribution_id=distribution.pk).values("facility_id")
    notify(
        emails=facility_staff_emails(served),
        template="resources/distributions/mail/allocated",
        context={"distribution": distribution, "kit": distribution.kit},
    )


def fail_distribution(*, distribution_id, error):
    """Stop an unfinished distribution with a reason; its unused reservation goes back."""
    with transaction.atomic():
        distribution = _locked(distribution_id)
        if distribution.status in (DistributionStatus.DONE, DistributionStatus.FAILED):
            return distribution
        if distribution.reserved:
            _release_reservation(distribution)
            record_stock_history(
                kit_id=distribution.kit_id,
                by=distribution.created_by,
                reason=_("Distribution #%(id)d failed") % {"id": distribution.pk},
            )
        distribution.status = DistributionStatus.FAILED
        distribution.error = str(error)
        distribution.finished_at = timezone.now()
        distribution.save(
            update_fields=["reserved", "allotment_plan", "status", "error", "finished_at"]
        )
    logger.warning("distribution %s failed: %s", distribution_id, error)
    return distribution


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------


def skipped_report_rows(distribution):
    """Header and rows of the skipped-facilities report, read in batches (CSV download)."""
    yield [
        _("Facility id"),
        _("Facility"),
        _("Province"),
        _("As given"),
        _("Reason code"),
        _("Reason"),
    ]
    skips = (
        DistributionSkip.objects.filter(distribution=distribution)
        .select_related("facility__province")
        .order_by("id")
    )
    for skip in skips.iterator(chunk_size=2000):
        facility = skip.facility
        yield [
            facility.pk if facility else "",
            facility.name if facility else "",
            facility.province.name if facility else "",
            skip.facility_label,
            skip.reason,
            skip.get_reason_display(),
        ]
