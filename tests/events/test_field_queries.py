"""The field-work list endpoints run the same number of queries for 3 rows as for 30."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import CaravanTrip, CaravanTripStatus, StopAttendance, TourStop, TourStopStatus
from resources.models import Exhibit, ExhibitionSet
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db


def grow(world, size):
    """`size` sets with an open stop each, stops, attendance, exhibits and trips."""
    for n in range(size):
        exhibition_set = ExhibitionSet.objects.create(
            code=f"S-{size}-{n}", name=f"展 {n}", operator=world.museum
        )
        Exhibit.objects.create(exhibition_set=exhibition_set, code="E1", name="x", model="M")
        Exhibit.objects.create(
            exhibition_set=world.exhibition_set, code=f"X-{size}-{n}", name="x", model="M"
        )
        stop = TourStop.objects.create(
            exhibition_set=exhibition_set,
            region=world.other_county,
            venue="馆",
            starts_on=days(-5),
            ends_on=days(5),
            status=TourStopStatus.OPEN,
        )
        StopAttendance.objects.create(stop=world.first_stop, date=days(-200 + n + size), visitors=1)
        CaravanTrip.objects.create(
            facility=world.caravan,
            region=world.other_county,
            destination="村",
            starts_on=days(-n - 1),
            ends_on=days(-n - 1),
            status=CaravanTripStatus.REPORTED,
        )
        assert stop.pk


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/exhibition-sets/",
        "/api/v1/tour-stops/",
        "/api/v1/caravan-trips/",
        "exhibits",
        "attendance",
    ],
)
def test_list_queries_do_not_grow_with_the_page(api_client, url, signed_in):
    world = build_field_world(exhibits=0)
    world.first_stop = TourStop.objects.create(
        exhibition_set=world.exhibition_set,
        region=world.county,
        venue="首站",
        starts_on=days(-300),
        ends_on=days(-10),
        status=TourStopStatus.CLOSED,
    )
    if url == "exhibits":
        url = f"/api/v1/exhibition-sets/{world.exhibition_set.pk}/exhibits/"
    elif url == "attendance":
        url = f"/api/v1/tour-stops/{world.first_stop.pk}/attendance/"
    if signed_in:
        api_client.force_authenticate(world.coordinator)
        api_client.get(url)  # the user's scope is read once, then kept on the user
    counts = []
    for size in (3, 30):
        grow(world, size)
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(url, {"page_size": 500})
        assert response.status_code == 200
        assert response.json()["count"] >= size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # count + page (+ the set or stop of a nested list)
    assert counts[1] <= 3, counts
