"""Statistics: GET /api/v1/campaigns/{slug}/stats/ on a national-size campaign.

3,000 facilities in 31 provinces, 20,000 kit requests, 1,000,000 download events (rolled up
into DownloadDaily, plus a few thousand of today's not rolled up yet) and 5,000 activities.
Prints the endpoint's median time without the cache and with it, its query count, and the
ratio against the single largest of its aggregate queries run alone in the same run; checks
that the download total is exact.
"""

import datetime
import random
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import median_seconds, milliseconds
from resources.models import DownloadEvent


@dataclass(frozen=True)
class Sizes:
    facilities: int = 3_000
    kit_requests: int = 20_000
    download_events: int = 1_000_000
    fresh_events: int = 5_000
    activities: int = 5_000
    resources: int = 250
    repeat: int = 15

    def scaled(self, scale):
        """A smaller data set of the same shape (at least a few rows of everything)."""
        return Sizes(
            **{
                name: max(30 if name == "resources" else 3, round(value * scale))
                for name, value in asdict(self).items()
            }
        )


START = datetime.datetime(2022, 8, 26, tzinfo=datetime.UTC)
DAYS = 120

PROVINCES = [
    ("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省"), ("140000", "山西省"),
    ("150000", "内蒙古自治区"), ("210000", "辽宁省"), ("220000", "吉林省"),
    ("230000", "黑龙江省"), ("310000", "上海市"), ("320000", "江苏省"), ("330000", "浙江省"),
    ("340000", "安徽省"), ("350000", "福建省"), ("360000", "江西省"), ("370000", "山东省"),
    ("410000", "河南省"), ("420000", "湖北省"), ("430000", "湖南省"), ("440000", "广东省"),
    ("450000", "广西壮族自治区"), ("460000", "海南省"), ("500000", "重庆市"),
    ("510000", "四川省"), ("520000", "贵州省"), ("530000", "云南省"), ("540000", "西藏自治区"),
    ("610000", "陕西省"), ("620000", "甘肃省"), ("630000", "青海省"),
    ("640000", "宁夏回族自治区"), ("650000", "新疆维吾尔自治区"),
]  # fmt: skip
PREFECTURES_PER_PROVINCE = 6
COUNTIES_PER_PREFECTURE = 4


def run(scale=1.0):
    sizes = Sizes().scaled(scale)
    rng = random.Random(20220826)
    started = timezone.now()
    campaign, expected_downloads = build_data(rng, sizes)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a production database
    print(f"data built in {(timezone.now() - started).total_seconds():.1f} s")

    client = Client()
    url = f"/api/v1/campaigns/{campaign.slug}/stats/"

    def fetch(path=url):
        response = client.get(path)
        assert response.status_code == 200, response.content[:500]
        return response.json()

    stats = fetch()
    assert stats["downloads_total"] == expected_downloads, (
        stats["downloads_total"],
        expected_downloads,
    )
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        fetch()
    queries = [query["sql"] for query in captured.captured_queries]

    cold = median_seconds(fetch, repeat=sizes.repeat, setup=cache.clear)
    warm = median_seconds(fetch, repeat=sizes.repeat)
    province_url = f"{url}?province=230000"
    cold_province = median_seconds(
        lambda: fetch(province_url), repeat=sizes.repeat, setup=cache.clear
    )

    alone = []
    with connection.cursor() as cursor:
        for sql in queries:
            if "GROUP BY" not in sql.upper() and "SUM(" not in sql.upper():
                continue  # not an aggregate (the campaign lookup, province names)

            def execute(sql=sql):
                cursor.execute(sql)
                cursor.fetchall()

            alone.append((median_seconds(execute, repeat=sizes.repeat), sql))
    largest_time, largest_sql = max(alone)

    print(
        f"figures: {stats['facilities_participating']} participating, "
        f"{stats['grassroots_facilities_reached']} grassroots reached, "
        f"{stats['downloads_total']:,} downloads (exact), "
        f"{sum(stats['kit_requests'].values()):,} kit requests, "
        f"{stats['activities_reported']:,} activities"
    )
    print(f"stats endpoint, no cache: median {milliseconds(cold)} over {sizes.repeat} runs")
    print(f"stats endpoint, one province, no cache: median {milliseconds(cold_province)}")
    print(f"stats endpoint, cached: median {milliseconds(warm)}")
    selects = [sql for sql in queries if sql.lstrip().upper().startswith("SELECT")]
    print(
        f"queries per request (no cache): {len(selects)} SELECT ({len(alone)} grouped "
        f"aggregates) of {len(queries)} statements (with the snapshot's BEGIN/SET/COMMIT)"
    )
    print(
        f"largest aggregate query alone: median {milliseconds(largest_time)} "
        f"({describe(largest_sql)})"
    )
    print(f"ratio endpoint / largest query: {cold / largest_time:.2f}")
    print(f"ratio cached endpoint / largest query: {warm / largest_time:.3f}")


def describe(sql):
    """The table a query reads, to name it in the report."""
    after = sql.split(" FROM ", 1)[1].split()[0].strip('"')
    return f"FROM {after}"


def build_data(rng, sizes):
    """Create the data set; answers the campaign and its exact number of downloads."""
    from campaigns.models import Campaign, Participation
    from events.models import Activity, ActivityKind, ActivityStatus
    from facilities.models import Facility, FacilityKind, Region
    from resources.models import DigitalResource, Kit, KitRequest, KitRequestStatus

    campaign = Campaign.objects.create(
        slug="bench-2022",
        title="践行二十大 健康享未来",
        starts_on=START.date(),
        status="active",
    )
    other = Campaign.objects.create(
        slug="bench-2021", title="2021", starts_on=datetime.date(2021, 8, 1)
    )

    regions, counties, prefectures = [], [], []
    for code, name in PROVINCES:
        province = Region(code=code, name=name, level="province")
        regions.append(province)
        for p in range(1, PREFECTURES_PER_PROVINCE + 1):
            prefecture = Region(
                code=f"{code[:2]}{p:02d}00",
                name=f"{name}{p}市",
                level="prefecture",
                parent=province,
            )
            regions.append(prefecture)
            prefectures.append(prefecture)
            for c in range(1, COUNTIES_PER_PREFECTURE + 1):
                county = Region(
                    code=f"{code[:2]}{p:02d}{c:02d}",
                    name=f"{name}{p}市{c}县",
                    level="county",
                    parent=prefecture,
                )
                regions.append(county)
                counties.append(county)
    Region.objects.bulk_create(regions)
    provinces = [region for region in regions if region.level == "province"]

    facilities = []
    kinds = FacilityKind.values
    for number in range(sizes.facilities):
        roll = rng.random()
        if roll < 0.05:
            region, level = rng.choice(provinces), "provincial"
        elif roll < 0.30:
            region, level = rng.choice(prefectures), "prefecture"
        else:
            region, level = rng.choice(counties), "county"
        facilities.append(
            Facility(
                name=f"流动科技馆 {number}",
                kind=rng.choice(kinds),
                level=level,
                status="approved",
                region=region,
                province_id=region.code[:2] + "0000",
            )
        )
    facilities = Facility.objects.bulk_create(facilities, batch_size=1000)

    participations = []
    for facility in rng.sample(facilities, len(facilities) * 13 // 15):  # most take part
        status = "approved" if rng.random() < 0.92 else "applied"
        flagged = status == "approved" and rng.random() < 0.12
        participations.append(
            Participation(
                campaign=campaign,
                facility=facility,
                status=status,
                approved_at=START if status == "approved" else None,
                flag_awarded_at=START if flagged else None,
            )
        )
    Participation.objects.bulk_create(participations, batch_size=1000)

    kits = Kit.objects.bulk_create(
        Kit(
            code=f"KIT-{number:03d}",
            name=f"健康主题展板 {number}",
            campaign=campaign if number < 20 else other,
            quantity_total=100_000,
            quantity_available=50_000,
        )
        for number in range(25)
    )
    statuses = KitRequestStatus.values
    weights = [10, 10, 5, 20, 50, 5]  # submitted approved rejected shipped received cancelled
    requests = []
    for _ in range(sizes.kit_requests):
        status = rng.choices(statuses, weights)[0]
        when = START + datetime.timedelta(days=rng.random() * DAYS)
        requests.append(
            KitRequest(
                kit=rng.choice(kits),
                facility=rng.choice(facilities),
                quantity=rng.randint(1, 5),
                status=status,
                shipped_at=when if status in ("shipped", "received") else None,
                received_at=when + datetime.timedelta(days=3) if status == "received" else None,
            )
        )
    KitRequest.objects.bulk_create(requests, batch_size=2000)

    resources = DigitalResource.objects.bulk_create(
        DigitalResource(
            title=f"科普资源 {number}",
            campaign=campaign if number < sizes.resources - 20 else other,
            format="video",
            file=f"resources/files/bench-{number}.mp4",
            published_at=START,
        )
        for number in range(sizes.resources)
    )

    activities = []
    for number in range(sizes.activities):
        facility = rng.choice(facilities)
        activities.append(
            Activity(
                campaign=campaign if rng.random() < 0.9 else other,
                facility=facility,
                kind=rng.choice(ActivityKind.values),
                title=f"科学表演 {number}",
                starts_at=START + datetime.timedelta(days=rng.random() * DAYS),
                region_id=facility.region_id,
                audience_count=rng.randint(20, 2000),
                status=rng.choices(ActivityStatus.values, [30, 60, 10])[0],
            )
        )
    Activity.objects.bulk_create(activities, batch_size=1000)

    with without_indexes(DownloadEvent):
        expected_downloads = insert_downloads(
            campaign, [resource.pk for resource in resources], sizes
        )
    print(
        f"data: {len(facilities):,} facilities, {len(requests):,} kit requests, "
        f"{sizes.download_events:,} rolled-up download events + {sizes.fresh_events:,} not rolled up, "
        f"{len(activities):,} activities"
    )
    return campaign, expected_downloads


@contextmanager
def without_indexes(model):
    """Fill a table first and index it afterwards: much faster for a million rows."""
    with connection.schema_editor() as editor:
        for index in model._meta.indexes:
            editor.remove_index(model, index)
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            for index in model._meta.indexes:
                editor.add_index(model, index)


def insert_downloads(campaign, resource_ids, sizes):
    """Download events spread over the campaign's days, rolled up as the roll-up task does."""
    codes = [code for code, _name in PROVINCES] + [""] * 3  # some downloads are anonymous
    with connection.cursor() as cursor:
        # Popular resources get most downloads (random()^2 skews towards the first ids).
        insert_events = """
            INSERT INTO resources_downloadevent
                (resource_id, province_code, channel, client_network, created_at, rolled_up)
            SELECT (%(ids)s)[1 + floor(random() ^ 2 * %(n_ids)s)::int],
                   (%(codes)s)[1 + floor(random() * %(n_codes)s)::int],
                   'web', '', %(created_at)s, %(rolled_up)s
            FROM generate_series(1, %(count)s)
        """
        cursor.execute(
            insert_events.replace(
                "%(created_at)s", "%(start)s + random() * (%(days)s * interval '1 day')"
            ),
            {
                "ids": resource_ids,
                "n_ids": len(resource_ids),
                "codes": codes,
                "n_codes": len(codes),
                "rolled_up": True,
                "count": sizes.download_events,
                "start": START,
                "days": DAYS,
            },
        )
        cursor.execute(
            """
            INSERT INTO resources_downloaddaily (resource_id, date, province_code, count)
            SELECT resource_id, (created_at AT TIME ZONE %s)::date, province_code, count(*)
            FROM resources_downloadevent
            WHERE rolled_up
            GROUP BY 1, 2, 3
            """,
            [timezone.get_default_timezone_name()],
        )
        cursor.execute(
            insert_events.replace("%(created_at)s", "now() - random() * interval '1 hour'"),
            {
                "ids": resource_ids,
                "n_ids": len(resource_ids),
                "codes": codes,
                "n_codes": len(codes),
                "rolled_up": False,
                "count": sizes.fresh_events,
            },
        )
        cursor.execute(
            """
            SELECT count(*) FROM resources_downloadevent e
            JOIN resources_digitalresource r ON r.id = e.resource_id
            WHERE r.campaign_id = %s
            """,
            [campaign.pk],
        )
        expected_downloads = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM resources_downloaddaily")
        print(f"downloads rolled up into {cursor.fetchone()[0]:,} daily rows")
    return expected_downloads
