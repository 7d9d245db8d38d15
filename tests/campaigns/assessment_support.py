"""A hand-built month of field work (March 2026) for the assessment tests.

The field world of tests/events: a museum operating one set, a host, a caravan (province
230000), a far museum (440000), one user per role. Rows are written directly so that the
dates can lie in the past; the services are what the tests exercise.
"""

import datetime

from django.utils import timezone

from campaigns import assessment
from events.models import (
    ActivityStatus,
    CaravanTrip,
    CaravanTripStatus,
    StopAttendance,
    TourStop,
    TourStopStatus,
)
from resources.models import KitRequestStatus
from tests import factories
from tests.events.field_support import build_field_world

MARCH = datetime.date(2026, 3, 1)
D = datetime.date


def local(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def stop(world, starts_on, ends_on, status=TourStopStatus.CLOSED, region=None, **extra):
    return TourStop.objects.create(
        exhibition_set=extra.pop("exhibition_set", None) or world.exhibition_set,
        region=region or world.other_county,
        venue=f"venue {starts_on}",
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        **extra,
    )


def attend(stop_row, day, visitors, school_groups=0):
    StopAttendance.objects.create(
        stop=stop_row, date=day, visitors=visitors, school_groups=school_groups
    )
    TourStop.objects.filter(pk=stop_row.pk).update(
        audience_total=stop_row.audience_total + visitors
    )


def trip(world, starts_on, ends_on, status=CaravanTripStatus.REPORTED, km=0, audience=0, **extra):
    return CaravanTrip.objects.create(
        facility=extra.pop("facility", world.caravan),
        region=extra.pop("region", world.county),
        destination=f"trip {starts_on}",
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
        distance_km=km,
        audience_total=audience,
    )


def activity(
    world, starts_at, audience, status=ActivityStatus.VERIFIED, facility=None, region=None
):
    return factories.ActivityFactory(
        campaign=world.campaign,
        facility=facility or world.museum,
        region=region or world.county,
        starts_at=starts_at,
        ends_at=None,
        audience_count=audience,
        status=status,
    )


def build_march(world):
    """The museum's and the caravan's March 2026, with rows on both sides of its edges."""
    spanning = stop(world, D(2026, 2, 20), D(2026, 3, 10))  # 10 days in March
    later = stop(world, D(2026, 3, 20), D(2026, 4, 15), region=world.county)  # 12 days
    stop(world, D(2026, 3, 12), D(2026, 3, 18), status=TourStopStatus.CANCELLED)
    attend(spanning, D(2026, 2, 28), 999)  # February: not counted
    attend(spanning, D(2026, 3, 1), 100, school_groups=2)
    attend(spanning, D(2026, 3, 10), 50)
    attend(later, D(2026, 3, 25), 30, school_groups=1)
    attend(later, D(2026, 4, 1), 777)  # April
    trip(world, D(2026, 3, 30), D(2026, 4, 2), km=300, audience=500)  # starts in March: 4 days
    trip(world, D(2026, 2, 27), D(2026, 3, 2), km=111, audience=111)  # February's
    trip(world, D(2026, 3, 5), D(2026, 3, 6), status=CaravanTripStatus.APPROVED)  # not reported
    activity(world, local(2026, 3, 15), 200)
    activity(world, local(2026, 3, 31, 23, 30), 40)  # last evening of March, local time
    activity(world, local(2026, 4, 1, 0, 30), 900)  # April in local time (March in UTC)
    activity(world, local(2026, 3, 16), 5000, status=ActivityStatus.REPORTED)  # not verified
    factories.KitRequestFactory(
        facility=world.museum,
        quantity=3,
        status=KitRequestStatus.RECEIVED,
        received_at=local(2026, 3, 5),
    )
    factories.KitRequestFactory(facility=world.museum, quantity=9, status=KitRequestStatus.SHIPPED)
    return spanning, later


def museum_march(world, by=None):
    return assessment.create_report(by=by or world.staff, facility=world.museum, month=MARCH)


def new_world():
    return build_field_world(exhibits=0)
