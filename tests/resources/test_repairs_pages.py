"""Exhibit care pages and lists: query counts that do not grow, the export, the knowledge base."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from events.models import TourStop, TourStopStatus
from resources.models import Exhibit, HandOverCondition, KnownFault, RepairTicket
from resources.services import repairs as services
from tests.events.field_support import build_field_world, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    world = build_field_world(exhibits=2)
    world.exhibit = world.exhibition_set.exhibits.order_by("code").first()
    return world


def grow(world, size):
    """`size` more stops, each with a dismantle checklist and a ticket on the first exhibit."""
    start = -1000 + 20 * TourStop.objects.count()
    for n in range(size):
        stop = TourStop.objects.create(
            exhibition_set=world.exhibition_set,
            region=world.other_county,
            venue=f"馆 {n}",
            starts_on=days(start + 20 * n),
            ends_on=days(start + 20 * n + 10),
            status=TourStopStatus.CLOSED,
            host=world.host,
        )
        services.record_handover(
            by=None,
            stop=stop,
            stage="dismantle",
            items=[
                (e.pk, HandOverCondition.DAMAGED if e.pk == world.exhibit.pk else "ok", f"坏 {n}")
                for e in world.exhibition_set.exhibits.all()
            ],
        )


def counted(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response, len(queries)


def test_the_ticket_list_runs_the_same_queries_for_3_and_30_tickets(api_client, world):
    api_client.force_authenticate(world.coordinator)
    api_client.get("/api/v1/repair-tickets/")  # the user's scope is read once, then kept
    counts = []
    for size in (3, 27):
        grow(world, size)
        response, n = counted(api_client, "/api/v1/repair-tickets/", page_size=500)
        assert response.json()["count"] == RepairTicket.objects.count()
        counts.append(n)
    assert counts[0] == counts[1] <= 2, counts


@pytest.mark.parametrize(
    "url",
    [
        lambda w: f"/exhibits/{w.exhibit.pk}/history/",
        lambda w: "/repairs/",
        lambda w: "/repairs/export.csv",
    ],
)
def test_history_queue_and_export_run_the_same_queries_at_two_sizes(client, world, url):
    client.force_login(world.coordinator)
    counts = []
    for size in (3, 27):
        grow(world, size)
        response, n = counted(client, url(world))
        counts.append(n)
    assert counts[0] == counts[1], counts


def test_the_exhibit_history_lists_stops_handovers_and_tickets_newest_first(client, world):
    grow(world, 2)
    client.force_login(world.staff)
    page = client.get(f"/exhibits/{world.exhibit.pk}/history/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert html.count('class="history-stop"') == 2
    assert html.count('class="history-handover"') == 2
    assert html.count('class="history-ticket"') == 2
    # The later stop (馆 1) comes before the earlier one (馆 0).
    assert html.index("坏 1") < html.index("坏 0")
    assert client.get(f"/exhibits/{world.exhibit.pk}/history/").status_code == 200
    client.force_login(world.outsider)
    # Visible to anyone who may see the set (approved operator), nothing to hide here.
    assert client.get(f"/exhibits/{world.exhibit.pk}/history/").status_code == 200


def test_the_queue_is_sorted_by_severity_then_age_and_scoped(client, world):
    other = Exhibit.objects.filter(exhibition_set=world.exhibition_set).exclude(pk=world.exhibit.pk)
    first = services.open_ticket(
        by=None, exhibit=world.exhibit, fault="旧的外观", severity="cosmetic"
    )
    blocking = services.open_ticket(
        by=None, exhibit=other.get(), fault="新的故障", severity="blocking"
    )
    older_degraded = services.open_ticket(
        by=None, exhibit=world.exhibit, fault="按钮", severity="degraded"
    )
    client.force_login(world.coordinator)
    html = client.get("/repairs/").content.decode()
    positions = [html.index(f'/repairs/{t.pk}/"') for t in (blocking, older_degraded, first)]
    assert positions == sorted(positions)
    client.force_login(world.far_coordinator)
    assert f'/repairs/{blocking.pk}/"' not in client.get("/repairs/").content.decode()
    assert client.get(f"/repairs/{blocking.pk}/").status_code == 404


def test_the_export_never_writes_a_formula(client, world):
    services.open_ticket(
        by=None, exhibit=world.exhibit, fault='=HYPERLINK("http://x")', severity="cosmetic"
    )
    services.open_ticket(by=None, exhibit=world.exhibit, fault="-1+1", severity="cosmetic")
    services.open_ticket(by=None, exhibit=world.exhibit, fault="正常的描述", severity="cosmetic")
    client.force_login(world.admin)
    text = client.get("/repairs/export.csv").content.decode("utf-8-sig")
    faults = [row[6] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(faults) == sorted(['\'=HYPERLINK("http://x")', "'-1+1", "正常的描述"])
    book = load_workbook(io.BytesIO(client.get("/repairs/export.xlsx").content))
    cells = [row[6] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert sorted(cells) == sorted(faults)


def test_formula_safe_prefixes_every_dangerous_start():
    from resources.views.repairs import formula_safe

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert formula_safe(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert formula_safe("SUM") == "SUM"
    assert formula_safe(3) == 3


def test_the_knowledge_base_is_searchable_by_signed_in_users(client, world):
    KnownFault.objects.create(model="M-0", symptom="按钮失灵", fix="更换开关")
    KnownFault.objects.create(model="M-1", symptom="屏幕不亮", fix="检查电源")
    assert client.get("/known-faults/").status_code == 302
    client.force_login(world.outsider)
    html = client.get("/known-faults/", {"q": "按钮"}).content.decode()
    assert "更换开关" in html and "检查电源" not in html


def test_the_checklist_page_records_a_dismantle_and_refuses_an_incomplete_one(client, world):
    stop = TourStop.objects.create(
        exhibition_set=world.exhibition_set,
        region=world.other_county,
        venue="馆",
        starts_on=days(-30),
        ends_on=days(-1),
        status=TourStopStatus.CLOSED,
    )
    client.force_login(world.staff)
    url = f"/field/stops/{stop.pk}/handover/dismantle/"
    assert client.get(url).status_code == 200
    exhibits = list(world.exhibition_set.exhibits.order_by("code"))
    incomplete = {f"condition-{exhibits[0].pk}": "damaged"}
    page = client.post(url, incomplete, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "missing from the checklist" in page.content.decode()
    assert not RepairTicket.objects.exists()
    done = client.post(url, {**incomplete, f"condition-{exhibits[1].pk}": "ok"})
    assert done.status_code == 302
    assert RepairTicket.objects.get().exhibit == exhibits[0]
    client.force_login(world.host_staff)
    assert client.get(url).status_code == 404


def test_the_ticket_changelist_runs_the_same_queries_at_two_sizes(client, world):
    from django.urls import reverse

    client.force_login(world.admin)
    url = reverse("admin:resources_repairticket_changelist")
    counts = []
    for size in (3, 27):
        grow(world, size)
        counts.append(counted(client, url)[1])
    assert counts[0] == counts[1], counts


def test_admin_actions_work_tickets_through_the_services(client, world):
    from django.urls import reverse

    ticket = services.open_ticket(by=None, exhibit=world.exhibit, fault="按钮", severity="degraded")
    client.force_login(world.admin)
    client.post(
        reverse("admin:resources_repairticket_changelist"),
        {"action": "diagnose_selected", "_selected_action": [ticket.pk]},
    )
    ticket.refresh_from_db()
    world.exhibit.refresh_from_db()
    assert ticket.status == "diagnosing"
    assert world.exhibit.status == "under_repair"
    assert ticket.transitions.last().by == world.admin


def _missing(world):
    exhibit = world.exhibit
    exhibit.status = "missing"
    exhibit.save(update_fields=["status"])
    return exhibit


def test_the_sets_managers_mark_a_missing_exhibit_found_or_write_it_off_on_the_set_page(
    client, world
):
    exhibit = _missing(world)
    page = f"/exhibition-sets/{world.exhibition_set.pk}/"
    client.force_login(world.staff)
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/exhibits/{exhibit.pk}/found/" in html
    assert f"/exhibits/{exhibit.pk}/write-off/" in html

    response = client.post(f"/exhibits/{exhibit.pk}/found/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert Exhibit.objects.get(pk=exhibit.pk).status == "ok"
    # Found already: refused with a message, nothing changes.
    response = client.post(f"/exhibits/{exhibit.pk}/write-off/", HTTP_ACCEPT_LANGUAGE="en")
    assert Exhibit.objects.get(pk=exhibit.pk).status == "ok"
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only a missing exhibit can be written off" in html

    _missing(world)
    client.post(f"/exhibits/{exhibit.pk}/write-off/")
    assert Exhibit.objects.get(pk=exhibit.pk).status == "retired"


def test_only_the_sets_managers_change_a_missing_exhibit(client, world):
    exhibit = _missing(world)
    page = f"/exhibition-sets/{world.exhibition_set.pk}/"
    client.force_login(world.far_staff)
    assert f"/exhibits/{exhibit.pk}/found/" not in client.get(page).content.decode()
    assert client.post(f"/exhibits/{exhibit.pk}/found/").status_code == 403
    assert client.get(f"/exhibits/{exhibit.pk}/found/").status_code == 405
    client.logout()
    assert client.post(f"/exhibits/{exhibit.pk}/found/").status_code == 302  # to sign in
    assert Exhibit.objects.get(pk=exhibit.pk).status == "missing"
