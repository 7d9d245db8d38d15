"""Coverage: GET /api/v1/campaigns/{slug}/coverage/ over the whole region tree of China.

The real region table (3,223 regions, 2,847 counties), 3,000 facilities, 20,000 received kit
requests, 50,000 verified activities (standing in for the caravan trips, which reach counties
the same way once they exist) and 1,000,000 download events with their regions. Prints the
endpoint's median time per level without the cache against the largest of its aggregate
queries run alone (goal: ratio ≤ 2), the cached time, its query count, and the data transfer of
the map pages in KB.
"""

import datetime
import gzip
import random
from dataclasses import asdict, dataclass
from io import StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import median_seconds, milliseconds
from bench.common import report
from bench.stats import without_indexes
from resources.models import DownloadEvent

STATIC = Path(__file__).resolve().parents[1] / "static" / "css"
START = datetime.datetime(2022, 8, 26, tzinfo=datetime.UTC)
DAYS = 120


@dataclass(frozen=True)
class Sizes:
    facilities: int = 3_000
    received_kits: int = 20_000
    activities: int = 50_000
    download_events: int = 1_000_000
    tagged_counties: int = 400
    repeat: int = 9

    def scaled(self, scale):
        return Sizes(**{name: max(3, round(value * scale)) for name, value in asdict(self).items()})


def run(scale=1.0):
    sizes = Sizes().scaled(scale)
    rng = random.Random(20221201)
    campaign = build_data(rng, sizes)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    client = Client()
    url = f"/api/v1/campaigns/{campaign.slug}/coverage/"

    def fetch(params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content[:500]
        return response.json()

    counties = fetch({"level": "county"})
    provinces = fetch({"level": "province"})
    # The same counties, summed two ways, and every received kit counted once.
    assert counties["summary"] == provinces["summary"], (counties["summary"], provinces["summary"])
    assert sum(row["kits_received"] for row in provinces["results"]) == sizes.received_kits
    print(
        f"figures: {counties['summary']['counties_reached']:,} of "
        f"{counties['summary']['counties']:,} counties reached, "
        f"{sum(row['downloads'] for row in provinces['results']):,} downloads by region"
    )

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        fetch({"level": "county"})
    queries = [query["sql"] for query in captured.captured_queries]
    aggregates = [sql for sql in queries if "GROUP BY" in sql.upper()]
    print(f"queries per request: {len(queries)} ({len(aggregates)} grouped aggregates)")

    alone = []
    with connection.cursor() as cursor:
        for sql in aggregates:

            def execute(sql=sql):
                cursor.execute(sql)
                cursor.fetchall()

            alone.append((median_seconds(execute, repeat=sizes.repeat), sql))
    largest_time, largest_sql = max(alone)
    table = largest_sql.split(" FROM ", 1)[1].split()[0].strip('"')
    print(f"largest aggregate query alone: {milliseconds(largest_time)} (FROM {table})")

    for level, params in (
        ("county", {"level": "county"}),
        ("province", {"level": "province"}),
        ("county, tag border", {"level": "county", "tag": "border"}),
    ):
        endpoint = median_seconds(
            lambda params=params: fetch(params), repeat=sizes.repeat, setup=cache.clear
        )
        report(f"coverage endpoint ({level}) vs largest query", endpoint, largest_time, "ms")
    cached = median_seconds(lambda: fetch({"level": "county"}), repeat=sizes.repeat)
    report("coverage endpoint (county), cached, vs largest query", cached, largest_time, "ms")

    # The yearly assessment reads the same counties, kits and activities, per province.
    assessor = Client()
    assessor.force_login(get_user_model().objects.create_superuser("bench-assessor", password=None))
    assessment_url = f"/api/v1/campaigns/{campaign.slug}/assessment/"

    def assess():
        response = assessor.get(assessment_url, {"year": START.year})
        assert response.status_code == 200, response.content[:500]
        return response.json()

    ranked = assess()["provinces"]
    with CaptureQueriesContext(connection) as captured:
        assess()
    print(
        f"assessment: {len(ranked)} provinces ranked for {START.year}, "
        f"{len(captured.captured_queries)} queries per request"
    )
    assessed = median_seconds(assess, repeat=sizes.repeat, setup=cache.clear)
    report("assessment endpoint (all provinces) vs largest query", assessed, largest_time, "ms")

    for name, path in (
        ("China", f"/campaigns/{campaign.slug}/coverage/"),
        ("Heilongjiang", f"/campaigns/{campaign.slug}/coverage/230000/"),
        ("Heihe counties", f"/campaigns/{campaign.slug}/coverage/231100/"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        cold = median_seconds(
            lambda path=path: client.get(path), repeat=sizes.repeat, setup=cache.clear
        )
        page = median_seconds(lambda path=path: client.get(path), repeat=sizes.repeat)
        css = sum(len((STATIC / f).read_bytes()) for f in ("site.css", "coverage.css"))
        html = len(response.content)
        print(
            f"map page {name}: {html / 1024:.1f} KB HTML with the SVG + {css / 1024:.1f} KB CSS"
            f" = {(html + css) / 1024:.1f} KB ({len(gzip.compress(response.content)) / 1024:.1f}"
            f" KB HTML gzipped), no script; rendered in {milliseconds(cold)} "
            f"({milliseconds(page)} cached)"
        )


def build_data(rng, sizes):
    from campaigns.models import Campaign, Participation
    from events.models import Activity
    from facilities.models import Facility, Region, RegionTag, RegionTagAssignment
    from resources.models import DigitalResource, Kit, KitRequest

    call_command("load_regions", stdout=StringIO())
    border, _ = RegionTag.objects.get_or_create(code="border", defaults={"name": "边境地区"})
    counties = list(
        Region.objects.filter(level="county", is_grouping=False).values_list("code", flat=True)
    )
    RegionTagAssignment.objects.bulk_create(
        RegionTagAssignment(region_id=code, tag=border)
        for code in rng.sample(counties, min(len(counties), sizes.tagged_counties))
    )
    prefectures = list(
        Region.objects.filter(level="prefecture", is_grouping=False).values_list("code", flat=True)
    )
    campaign = Campaign.objects.create(
        slug="bench-coverage", title="覆盖", starts_on=START.date(), status="active"
    )
    other = Campaign.objects.create(
        slug="bench-other", title="其他", starts_on=datetime.date(2021, 8, 1), status="closed"
    )

    facilities = []
    for number in range(sizes.facilities):
        region = rng.choice(prefectures) if rng.random() < 0.2 else rng.choice(counties)
        facilities.append(
            Facility(
                name=f"流动科技馆 {number}",
                kind="caravan",
                level="prefecture" if region in prefectures else "county",
                status="approved",
                region_id=region,
                province_id=region[:2] + "0000",
            )
        )
    facilities = Facility.objects.bulk_create(facilities, batch_size=1000)
    Participation.objects.bulk_create(
        (Participation(campaign=campaign, facility=f, status="approved") for f in facilities),
        batch_size=1000,
    )
    kits = Kit.objects.bulk_create(
        Kit(code=f"KIT-{n}", name=f"展板 {n}", campaign=campaign, quantity_total=10**6)
        for n in range(20)
    )
    # Most of the received kits go to a third of the facilities, as real roll-outs do.
    busy = facilities[: max(1, len(facilities) // 3)]
    KitRequest.objects.bulk_create(
        (
            KitRequest(
                kit=rng.choice(kits),
                facility=rng.choice(busy),
                quantity=1,
                status="received",
                received_at=START + datetime.timedelta(days=rng.random() * DAYS),
            )
            for _ in range(sizes.received_kits)
        ),
        batch_size=2000,
    )
    Activity.objects.bulk_create(
        (
            Activity(
                campaign=campaign if rng.random() < 0.9 else other,
                facility=(facility := rng.choice(facilities)),
                kind="science_show",
                title=f"科学表演 {n}",
                starts_at=START + datetime.timedelta(days=rng.random() * DAYS),
                region_id=facility.region_id,
                audience_count=rng.randint(20, 2000),
                status="verified" if rng.random() < 0.8 else "reported",
            )
            for n in range(sizes.activities)
        ),
        batch_size=2000,
    )
    resources = DigitalResource.objects.bulk_create(
        DigitalResource(title=f"资源 {n}", campaign=campaign, format="video", file=f"bench/{n}.mp4")
        for n in range(50)
    )
    with without_indexes(DownloadEvent), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO resources_downloadevent
                (resource_id, facility_id, region_id, province_code, channel, client_network,
                 created_at, rolled_up)
            SELECT (%(resources)s)[1 + floor(random() * %(n_resources)s)::int],
                   f.id, f.region_id, f.province_id, 'web', '',
                   %(start)s + random() * interval '120 days', true
            FROM generate_series(1, %(count)s) AS n
            JOIN facilities_facility f
              ON f.id = (%(facilities)s)[1 + ((n::bigint * 7919) %% %(n_facilities)s)::int]
            """,
            {
                "resources": [r.pk for r in resources],
                "n_resources": len(resources),
                "facilities": [f.pk for f in facilities],
                "n_facilities": len(facilities),
                "start": START,
                "count": sizes.download_events,
            },
        )
    print(
        f"data: {len(counties):,} counties, {len(facilities):,} facilities, "
        f"{sizes.received_kits:,} received kits, {sizes.activities:,} activities, "
        f"{sizes.download_events:,} download events"
    )
    return campaign
