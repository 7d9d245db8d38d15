"""Catalogue: GET /api/v1/digital-resources/?page_size=100 over 100,000 resources.

The endpoint runs in-process through Django's test client (middleware, DRF, filters, the page
query carrying the table's stamp with the count cached, pagination, row shaping, JSON
rendering), anonymous, with the files on S3 as in production (a real SeaweedFS: thumbnail URLs
are signed, then reused). The baseline is the least the same page can cost: the same rows
fetched with .values() and serialised with json.dumps. Also measured: a deep page, a
revalidation answered 304, page 1 with local media (unsigned thumbnail URLs), the stamp query
alone (what an empty page pays besides), and DRF's ModelSerializer on the same rows (why the
list reads .values()).
"""

import datetime
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client, RequestFactory
from rest_framework.renderers import JSONRenderer

from bench import interleaved_min_seconds, median_seconds
from bench.common import bench_scale, insert_rows, report, s3_storage, scaled

RESOURCES = 100_000
CATEGORIES = 12
PAGE_SIZE = 100
DEEP_PAGE = 500
REPEAT = 21
START = datetime.datetime(2022, 8, 26, tzinfo=datetime.UTC)


def run(scale=None):
    scale = bench_scale(scale)
    repeat = REPEAT if scale >= 0.5 else 3
    count = build_data(scaled(RESOURCES, scale, minimum=PAGE_SIZE))
    page = Page()
    # Local media first: the same page when thumbnail URLs need no signature.
    local = interleaved_min_seconds({"local": page.endpoint}, repeat=repeat)["local"]
    with s3_storage():
        page.check()
        # Each page and its baseline measured in turns (see interleaved_min_seconds).
        first = interleaved_min_seconds(
            {
                "page 1": page.endpoint,
                "baseline 1": page.baseline,
                "revalidation": page.revalidate,
            },
            repeat=repeat,
        )
        deep = interleaved_min_seconds(
            {
                "page": lambda: page.endpoint(page.deep),
                "baseline": lambda: page.baseline(page.deep),
            },
            repeat=repeat,
        )
        timings = {
            "page 1": (first["page 1"], first["baseline 1"]),
            f"page {page.deep}": (deep["page"], deep["baseline"]),
            "revalidation answered 304": (first["revalidation"], first["baseline 1"]),
        }
        stamp = median_seconds(page.aggregate, repeat=repeat)
        serializer = median_seconds(page.model_serializer, repeat=repeat)

    print(
        f"{count:,} resources, {page.listed:,} listed to anonymous clients, {PAGE_SIZE} per "
        f"page; files on S3 (thumbnail URLs signed); pages and baselines: least of {repeat} runs "
        "taken in turns after 3 warm-up rounds, no GC inside a timing; the rest: median"
    )
    for name, (measured, base) in timings.items():
        report(f"catalogue {name}", measured, base, "ms")
    first_baseline = timings["page 1"][1]
    report("catalogue page 1, files on local media", local, first_baseline, "ms")
    report("the stamp query alone (empty pages; count cached)", stamp, first_baseline, "ms")
    report("DRF ModelSerializer on the page-1 rows", serializer, first_baseline, "ms")


class Page:
    """The catalogue page as the API answers it, and the baseline for the same rows."""

    def __init__(self):
        from resources.models import DigitalResource, ResourceAccess, ResourceStatus

        self.visible = DigitalResource.objects.filter(
            status=ResourceStatus.PUBLISHED, access=ResourceAccess.PUBLIC
        ).order_by("-published_at", "-id")
        self.listed = self.visible.count()
        self.deep = min(DEEP_PAGE, -(-self.listed // PAGE_SIZE))
        self.client = Client()
        self.url = f"/api/v1/digital-resources/?page_size={PAGE_SIZE}"
        self.etag = None

    def endpoint(self, page=1, **headers):
        response = self.client.get(f"{self.url}&page={page}", **headers)
        assert response.status_code in (200, 304), response.content[:300]
        return response

    def revalidate(self):
        return self.endpoint(HTTP_IF_NONE_MATCH=self.etag)

    def baseline(self, page=1):
        from resources.serializers.digital import VALUE_COLUMNS

        offset = (page - 1) * PAGE_SIZE
        rows = list(self.visible.values(*VALUE_COLUMNS)[offset : offset + PAGE_SIZE])
        return json.dumps(rows, cls=DjangoJSONEncoder)

    def check(self):
        """Same rows in the same order in both; an unchanged catalogue answers 304."""
        for page in (1, self.deep):
            answered = [item["id"] for item in self.endpoint(page).json()["results"]]
            assert answered == [row["id"] for row in json.loads(self.baseline(page))], page
        self.etag = self.endpoint()["ETag"]
        assert self.revalidate().status_code == 304

    def aggregate(self):
        """The stamp query of an empty page: table MAX(updated_at) and MAX(id), the count cached."""
        from resources.api.digital import _stamp_and_count

        return _stamp_and_count(self.visible, "p", [("page_size", [str(PAGE_SIZE)])])

    def model_serializer(self):
        from resources.serializers.digital import DigitalResourceSerializer

        rows = list(self.visible.select_related("category")[:PAGE_SIZE])
        request = RequestFactory().get(self.url)
        data = DigitalResourceSerializer(rows, many=True, context={"request": request}).data
        return JSONRenderer().render(data)


def build_data(count):
    """`count` resources in one statement: 90 % public, 2 % withdrawn, a third with thumbnails."""
    from campaigns.models import Campaign
    from resources.models import Category, DigitalResource, ResourceFormat

    campaign = Campaign.objects.create(
        slug="bench-catalogue", title="践行二十大 健康享未来", starts_on=START.date()
    )
    categories = Category.objects.bulk_create(
        Category(slug=f"bench-{number}", name=f"类别 {number}", position=number)
        for number in range(CATEGORIES)
    )
    insert_rows(
        DigitalResource,
        count,
        {
            "title": "'科普资源 ' || n",
            "description": "'健康生活方式与疾病预防，第 ' || n || ' 号。预防为主，绿色安全的环境。'",
            "campaign": ("%s", [campaign.pk]),
            "category": (
                "(%s::bigint[])[1 + mod(n, %s)]",
                [[c.pk for c in categories], CATEGORIES],
            ),
            "format": (
                "(%s::text[])[1 + mod(n, %s)]",
                [ResourceFormat.values, len(ResourceFormat)],
            ),
            "access": "CASE WHEN mod(n, 10) = 0 THEN 'members' ELSE 'public' END",
            "status": "CASE WHEN mod(n, 50) = 7 THEN 'withdrawn' ELSE 'published' END",
            "file": "'resources/files/bench/' || n || '/resource.mp4'",
            "original_filename": "'resource-' || n || '.mp4'",
            "file_size": "1000000 + mod(n::bigint * 7919, 90000000)",
            "sha256": "encode(sha256(n::text::bytea), 'hex')",
            "content_type": "'video/mp4'",
            "thumbnail": "CASE WHEN mod(n, 3) = 0 "
            "THEN 'resources/thumbnails/' || n || '.jpg' ELSE '' END",
            "download_count": "mod(n::bigint * 104729, 5000)",
            "created_at": ("%s::timestamptz + n * interval '3 minutes'", [START]),
            "published_at": ("%s::timestamptz + n * interval '3 minutes'", [START]),
            "updated_at": ("%s::timestamptz + n * interval '3 minutes'", [START]),
            "withdrawn_at": (
                "CASE WHEN mod(n, 50) = 7 THEN %s::timestamptz + n * interval '4 minutes' END",
                [START],
            ),
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {DigitalResource._meta.db_table}")
    return count
