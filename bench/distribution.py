"""Distribution: bulk distributions to 1,000 and 10,000 facilities through a real worker.

For each size, that many approved facilities in one province and a kit with stock for all of
them. Timed: from start_distribution (what POST /api/v1/distributions/ calls) until the
distribution is done, processed by a real Celery worker over Redis in chunks of
DISTRIBUTION_CHUNK_SIZE (prepare with one stock reservation, then per chunk: allocations with
ON CONFLICT DO NOTHING, timeline, history, counters). Baseline, measured in the same run: a
plain bulk_create of the same number of approved kit requests (no timeline, history, stock or
progress). Afterwards every facility must hold exactly one allocation and the stock must
have gone down by exactly the quantity allocated."""

import time

from django.contrib.auth import get_user_model
from django.db import transaction

from bench.common import (
    bench_scale,
    celery_worker,
    insert_rows,
    report,
    scaled,
    tasks_on_redis,
    temporary_directory,
)
from facilities.models import (
    Facility,
    FacilityKind,
    FacilityLevel,
    FacilityStatus,
    Region,
    RegionLevel,
)
from resources.models import (
    Distribution,
    DistributionStatus,
    Kit,
    KitRequest,
    KitRequestOrigin,
    KitRequestStatus,
)
from resources.services.distributions import start_distribution

SIZES = (1_000, 10_000)
TIMEOUT = 600


def run(scale=None):
    scale = bench_scale(scale)
    admin = get_user_model().objects.create_superuser("bench-distributor", password=None)
    results = []
    with (
        tasks_on_redis() as queue,
        temporary_directory("bench-distribution-") as workdir,
        celery_worker(queue, workdir),
    ):
        for index, size in enumerate(scaled(size, scale) for size in SIZES):
            province, county = regions(index)
            facility_ids = facilities(size, county)
            kit = Kit.objects.create(
                code=f"BENCH-{index}",
                name="bench kit",
                quantity_total=size,
                quantity_available=size,
            )
            baseline = plain_bulk_create(kit, facility_ids)
            seconds, distribution = distribute(admin, kit, province)
            check(distribution, kit, facility_ids)
            results.append((size, seconds, baseline))
    for size, seconds, baseline in results:
        report(f"distribution to {size:,} facilities (worker, end to end)", seconds, baseline, "ms")


def regions(index):
    """A province of its own per size, with one county below it."""
    code = f"{31 + index:02d}0000"
    province = Region.objects.create(code=code, name=f"bench province {index}", level="province")
    prefecture = Region.objects.create(
        code=code[:2] + "0100",
        name="bench prefecture",
        level=RegionLevel.PREFECTURE,
        parent=province,
    )
    county = Region.objects.create(
        code=code[:2] + "0102", name="bench county", level=RegionLevel.COUNTY, parent=prefecture
    )
    return province, county


def facilities(count, county):
    insert_rows(
        Facility,
        count,
        {
            "name": "'bench facility ' || n",
            "kind": ("%s", (FacilityKind.CARAVAN,)),
            "level": ("%s", (FacilityLevel.COUNTY,)),
            "status": ("%s", (FacilityStatus.APPROVED,)),
            "region": ("%s", (county.code,)),
            "province": ("%s", (county.code[:2] + "0000",)),
        },
    )
    return list(Facility.objects.filter(region=county).values_list("pk", flat=True))


def plain_bulk_create(kit, facility_ids):
    """Seconds for one bulk_create of approved kit requests, one per facility (then undone)."""
    requests = [
        KitRequest(
            kit=kit,
            facility_id=pk,
            quantity=1,
            status=KitRequestStatus.APPROVED,
            origin=KitRequestOrigin.DISTRIBUTION,
        )
        for pk in facility_ids
    ]
    with transaction.atomic():
        started = time.perf_counter()
        KitRequest.objects.bulk_create(requests)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def distribute(admin, kit, province):
    started = time.perf_counter()
    distribution = start_distribution(by=admin, kit=kit, quantity_per_facility=1, province=province)
    deadline = started + TIMEOUT
    while True:
        distribution.refresh_from_db(fields=["status", "processed", "total", "error"])
        if distribution.status in (DistributionStatus.DONE, DistributionStatus.FAILED):
            return time.perf_counter() - started, distribution
        if time.perf_counter() > deadline:
            raise RuntimeError(f"distribution stuck at {distribution.processed}")
        time.sleep(0.01)


def check(distribution, kit, facility_ids):
    distribution = Distribution.objects.get(pk=distribution.pk)
    assert distribution.status == DistributionStatus.DONE, distribution.error
    assert distribution.allocated == distribution.processed == distribution.total
    served = list(
        KitRequest.objects.filter(distribution=distribution).values_list("facility_id", flat=True)
    )
    assert sorted(served) == sorted(facility_ids), "one allocation per facility"
    kit.refresh_from_db()
    assert kit.quantity_available == 0, "stock taken exactly once"
