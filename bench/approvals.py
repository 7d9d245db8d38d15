"""Approvals: kit requests approved per second by 20 concurrent clients.

Each client is a process of its own with its own PostgreSQL connection, approving its own
submitted requests one after the other through resources.services.kits.approve_request
(row lock, conditional stock UPDATE, timeline, history, mail queued on Redis after the
commit). Twice: all requests on one kit, so that every approval competes for that kit's
stock row (the worst case), then on a kit per client (no shared row). The baseline is the
same number of plain single-row UPDATEs of the status column of other requests, by as many
processes at once. A third set runs all requests on one kit whose stock is allotted to the
facilities' province, so each approval also takes from the allotment row (two conditional
UPDATEs instead of one); its ratio against the first set is the cost of allotments.
Afterwards the stock must add up on every kit: available = total minus the approved
quantities, never below zero, the allotment used exactly, one timeline entry per approval."""

import random

from django.db import connection
from django.db.models import Sum

from bench.common import (
    bench_scale,
    county_of_heihe,
    queued_tasks,
    report,
    run_clients,
    scaled,
    tasks_on_redis,
)

CLIENTS = 20
APPROVALS_PER_CLIENT = 50
FACILITIES = 200
BASELINE = "baseline"
SHARED = "one kit"
SPREAD = "a kit each"
ALLOTTED = "one kit, allotted"
SETS = (SHARED, SPREAD, ALLOTTED)


def run(scale=None):
    scale = bench_scale(scale)
    per_client = scaled(APPROVALS_PER_CLIENT, scale)
    total = CLIENTS * per_client
    with tasks_on_redis() as queue:
        kits, work = build_data(per_client)
        # Compile templates and load catalogues once here: the forked clients inherit them.
        warm_up(work["parent"])
        baseline = run_clients(prepare_update, plain_update, work["baseline"])
        timings = {}
        for name in SETS:
            seconds, cpu, counts = timings[name] = run_clients(
                prepare_approval, approve, work[name]
            )
            assert sum(counts) == total, (name, sum(counts), total)
        queued = queued_tasks(queue)
    # With the untimed warm-ups: one per client and set, two in this process.
    approved = len(SETS) * (total + CLIENTS) + 2
    check_stock(kits, approved=approved)
    assert queued == approved, f"{queued} notifications queued for {approved} approvals"
    print(
        f"{CLIENTS} client processes × {per_client} requests each; baseline: {total:,} plain "
        f"UPDATEs in {baseline[0]:.2f} s; stock consistent after {approved:,} approvals, "
        f"{queued:,} notifications queued"
    )
    report(
        f"kit-request approvals with allotments against without, {CLIENTS} clients, one kit",
        total / timings[ALLOTTED][0],
        total / timings[SHARED][0],
        "per s",
    )
    for name in SETS:
        seconds, cpu, _counts = timings[name]
        report(
            f"kit-request approvals, {CLIENTS} clients, {name}",
            total / seconds,
            total / baseline[0],
            "per s",
        )
        report(
            f"kit-request approvals, {name}: client CPU per approval",
            cpu / total,
            baseline[1] / total,
            "ms",
        )


def build_data(count):
    """Kits whose stock covers their requests exactly, and three sets of submitted requests.

    Answers the kits and, per set, one (reviewer id, request ids) assignment per client:
    "baseline" (status UPDATEs only), SHARED (all on one kit), SPREAD (a kit per client);
    "parent" is a single assignment of two requests, for the warm-up before the clients fork.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from facilities.models import Facility, Membership, MembershipRole
    from resources.models import Allotment, Kit, KitRequest

    rng = random.Random(20220826)
    province, county = county_of_heihe()
    facilities = Facility.objects.bulk_create(
        Facility(
            name=f"流动科技馆 {number}",
            kind="caravan",
            level="county",
            status="approved",
            region=county,
            province=province,
        )
        for number in range(FACILITIES)
    )
    User = get_user_model()
    password = make_password(None)
    staff = User.objects.bulk_create(
        User(username=f"staff{n}", email=f"staff{n}@example.org", password=password)
        for n in range(FACILITIES)
    )
    Membership.objects.bulk_create(
        Membership(user=user, facility=facility, role=MembershipRole.MANAGER)
        for user, facility in zip(staff, facilities, strict=True)
    )
    reviewer = User.objects.create(
        username="bench-admin",
        email="admin@example.org",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    shared = Kit(code="BENCH-SHARED", name="健康主题展板")
    allotted = Kit(code="BENCH-ALLOTTED", name="机器人科普套装")
    own = [Kit(code=f"BENCH-{c:02d}", name=f"实验箱 {c}") for c in range(CLIENTS)]
    kits = Kit.objects.bulk_create([shared, allotted, *own])

    def requests(purpose, kit, count):
        rows = KitRequest.objects.bulk_create(
            KitRequest(
                kit=kit,
                facility=rng.choice(facilities),
                quantity=rng.randint(1, 3),
                purpose=purpose,
                created_by=reviewer,
            )
            for _ in range(count)
        )
        return [row.pk for row in rows]

    def per_client(purpose, kit_of_client):
        # The first request of each client warms it up, untimed.
        return [
            (reviewer.pk, requests(purpose, kit_of_client(client), 1 + count))
            for client in range(CLIENTS)
        ]

    work = {
        "parent": (reviewer.pk, requests(SHARED, shared, 2)),
        "baseline": per_client(BASELINE, lambda client: shared),
        SHARED: per_client(SHARED, lambda client: shared),
        SPREAD: per_client(SPREAD, lambda client: own[client]),
        ALLOTTED: per_client(ALLOTTED, lambda client: allotted),
    }
    for kit in kits:
        demand = approvable(kit.pk).aggregate(total=Sum("quantity"))["total"]
        Kit.objects.filter(pk=kit.pk).update(quantity_total=demand, quantity_available=demand)
    # The whole stock of that kit is the province's allotment: every approval takes from it.
    demand = approvable(allotted.pk).aggregate(total=Sum("quantity"))["total"]
    Allotment.objects.create(kit=allotted, province=province, quantity=demand)
    Kit.objects.filter(pk=allotted.pk).update(
        quantity_allotted=demand, quantity_allotted_left=demand
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return kits, work


def approvable(kit_id):
    from resources.models import KitRequest

    return KitRequest.objects.filter(kit_id=kit_id).exclude(purpose=BASELINE)


def prepare_approval(items):
    """Load the client's requests and approve the first one untimed.

    The first approval in a fresh process pays for one-time work (its Redis connection,
    compiled mail templates, translation catalogues) that a long-running server pays once.
    """
    from django.contrib.auth import get_user_model

    from resources.models import KitRequest
    from resources.services.kits import approve_request

    reviewer_id, ids = items
    reviewer = get_user_model().objects.get(pk=reviewer_id)
    warmup, *kit_requests = KitRequest.objects.filter(pk__in=ids).order_by("pk")
    approve_request(kit_request=warmup, by=reviewer)
    return reviewer, kit_requests


def warm_up(assignment):
    approve(prepare_approval(assignment))


def approve(state):
    from resources.services.kits import approve_request

    reviewer, kit_requests = state
    for kit_request in kit_requests:
        approve_request(kit_request=kit_request, by=reviewer)
    return len(kit_requests)


def prepare_update(items):
    from resources.models import KitRequest

    table = KitRequest._meta.db_table
    warmup, *ids = sorted(items[1])
    plain_update(([warmup], table))
    return ids, table


def plain_update(state):
    ids, table = state
    with connection.cursor() as cursor:
        for pk in ids:  # autocommit: each UPDATE is a transaction of its own
            cursor.execute(f"UPDATE {table} SET status = 'approved' WHERE id = %s", [pk])
    return len(ids)


def check_stock(kits, *, approved):
    """Per kit: available = total - approved quantities, within [0, total]; all recorded."""
    from resources.models import Allotment, Kit, KitRequestTransition

    for allotment in Allotment.objects.filter(kit__in=kits):
        held = approvable(allotment.kit_id).filter(status="approved", allotment=allotment)
        used = held.aggregate(total=Sum("quantity"))["total"] or 0
        assert allotment.used == allotment.quantity == used, (allotment.used, used)
    for kit in Kit.objects.filter(pk__in=[kit.pk for kit in kits]):
        assert kit.quantity_allotted_left == 0, kit.code
        held = approvable(kit.pk).filter(status="approved")
        held_quantity = held.aggregate(total=Sum("quantity"))["total"] or 0
        assert 0 <= kit.quantity_available <= kit.quantity_total, kit
        assert kit.quantity_available == kit.quantity_total - held_quantity, (
            kit.code,
            kit.quantity_available,
            kit.quantity_total,
            held_quantity,
        )
        assert kit.quantity_available == 0, kit.code  # the stock covered the demand exactly
    transitions = KitRequestTransition.objects.filter(
        to_status="approved", kit_request__purpose__in=list(SETS)
    ).count()
    assert transitions == approved, (transitions, approved)
