"""Admin of field work: the exhibit import (dry run listing bad rows, all or none), new sets
through the service, stop and trip actions and attendance removal through the services."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import CaravanTrip, CaravanTripStatus, TourStop, TourStopStatus
from events.services import plan_stop, plan_trip, record_attendance
from resources.models import Exhibit, ExhibitionSet
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world(db):
    return build_field_world(exhibits=2)


def csv_file(rows):
    text = "code,name,model\n" + "\n".join(",".join(row) for row in rows) + "\n"
    upload = io.BytesIO(text.encode())
    upload.name = "exhibits.csv"
    return upload


def import_page(client, world, rows):
    return client.post(
        reverse("admin:resources_exhibit_import"),
        {"format": "1", "import_file": csv_file(rows), "exhibition_set": world.exhibition_set.pk},
        **EN,
    )


def test_the_dry_run_lists_the_bad_rows_and_imports_nothing(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("admin:resources_exhibit_import")).status_code == 200
    rows = [(f"N{n:02d}", f"展品{n}", "M-1") for n in range(10)]
    rows[3] = ("E00", "重复", "M-1")  # a code the set has
    rows[6] = ("N01", "再次", "M-2")  # twice in the file
    rows[8] = ("N08", "", "M-2")  # no name
    response = import_page(client, world, rows)
    assert response.status_code == 200
    page = response.content.decode()
    assert "is in the set already" in page
    assert "The name is missing." in page
    assert response.context.get("confirm_form") is None
    assert Exhibit.objects.count() == 2


def test_a_clean_file_is_confirmed_and_imported_into_the_chosen_set(client, world):
    client.force_login(world.admin)
    rows = [(f"N{n:02d}", f"展品{n}", f"M-{n % 3}") for n in range(50)]
    response = import_page(client, world, rows)
    confirm = response.context["confirm_form"]
    assert confirm is not None
    assert Exhibit.objects.count() == 2
    response = client.post(
        reverse("admin:resources_exhibit_process_import"),
        {name: confirm.initial[name] for name in confirm.initial},
    )
    assert response.status_code == 302
    assert world.exhibition_set.exhibits.count() == 52
    assert world.exhibition_set.exhibits.filter(code__startswith="N", model="M-1").count() == 17


def test_a_coordinator_of_another_province_cannot_import_into_the_set(client, world):
    from django.contrib.auth.models import Permission

    world.far_coordinator.is_staff = True
    world.far_coordinator.save()
    world.far_coordinator.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_exhibit", "view_exhibit", "change_exhibit"])
    )
    client.force_login(world.far_coordinator)
    assert client.get(reverse("admin:resources_exhibit_import")).status_code == 200
    response = import_page(client, world, [("N1", "x", "M")])
    assert response.status_code == 403
    assert Exhibit.objects.count() == 2


def test_a_set_added_in_the_admin_goes_through_the_service(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:resources_exhibitionset_add"),
        {
            "code": "HLJ-09",
            "name": "新展",
            "operator": world.museum.pk,
            "theme": "",
            "status": "in_storage",
            "exhibits-TOTAL_FORMS": "0",
            "exhibits-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ExhibitionSet.objects.filter(code="HLJ-09").exists()


def test_stop_and_trip_actions_and_attendance_removal_use_the_services(client, world):
    stop = plan_stop(
        by=None,
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="馆",
        starts_on=days(-3),
        ends_on=days(20),
    )
    trip = plan_trip(
        by=None,
        facility=world.caravan,
        region=world.other_county,
        destination="村",
        starts_on=days(1),
        ends_on=days(2),
    )
    client.force_login(world.admin)
    client.post(
        reverse("admin:events_tourstop_changelist"),
        {"action": "open_selected", "_selected_action": [stop.pk]},
    )
    stop.refresh_from_db()
    assert stop.status == TourStopStatus.OPEN
    entry = record_attendance(by=None, stop=stop, date=days(-1), visitors=40)
    record_attendance(by=None, stop=stop, date=days(0), visitors=2)
    client.post(
        reverse("admin:events_stopattendance_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    stop.refresh_from_db()
    assert stop.audience_total == 2
    client.post(
        reverse("admin:events_caravantrip_changelist"),
        {"action": "approve_selected", "_selected_action": [trip.pk]},
    )
    trip.refresh_from_db()
    assert trip.status == CaravanTripStatus.APPROVED


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:resources_exhibitionset_changelist",
        "admin:resources_exhibit_changelist",
        "admin:events_tourstop_changelist",
        "admin:events_stopattendance_changelist",
        "admin:events_caravantrip_changelist",
    ],
)
def test_field_changelists_query_counts_do_not_grow(client, world, url_name):
    client.force_login(world.admin)
    counts = []
    for size in (3, 30):
        for n in range(size):
            exhibition_set = ExhibitionSet.objects.create(
                code=f"Q{size}-{n}", name="x", operator=world.museum
            )
            Exhibit.objects.create(exhibition_set=exhibition_set, code="1", name="x", model="M")
            stop = TourStop.objects.create(
                exhibition_set=exhibition_set,
                region=world.county,
                venue="v",
                starts_on=days(-10),
                ends_on=days(-1),
                status=TourStopStatus.CLOSED,
            )
            record_attendance(by=None, stop=stop, date=days(-2), visitors=1)
            CaravanTrip.objects.create(
                facility=world.caravan,
                region=world.county,
                destination="d",
                starts_on=days(-2),
                ends_on=days(-1),
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
