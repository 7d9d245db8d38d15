"""Chasing unconfirmed shipments: a reminder a day per overdue request, never two, however
many beat or worker processes run the task at once."""

import datetime
import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from resources.models import KitRequest, KitRequestStatus
from resources.services import allotments as services
from resources.tasks.allotments import remind_overdue_shipments
from tests import factories
from tests.fixtures.processes import wait_until
from tests.resources.allotment_support import build_allotment_world

S = KitRequestStatus


def shipment(world, *, days_ago, status=S.SHIPPED):
    request = factories.KitRequestFactory(
        kit=world.kit,
        facility=world.facility_a,
        status=status,
        carrier="顺丰",
        tracking_number="SF",
    )
    KitRequest.objects.filter(pk=request.pk).update(
        shipped_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return request


@pytest.mark.django_db
def test_only_overdue_unconfirmed_shipments_are_chased_once_a_day(
    settings, django_capture_on_commit_callbacks
):
    settings.KIT_RECEIPT_CHASE_DAYS = 14
    world = build_allotment_world()
    overdue = shipment(world, days_ago=15)
    shipment(world, days_ago=13)  # not yet
    shipment(world, days_ago=30, status=S.RECEIVED)  # confirmed
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_overdue_shipments(today=today) == [overdue.pk]
        assert services.remind_overdue_shipments(today=today) == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.staff_a.email]
    assert f"#{overdue.pk}" in mail.outbox[0].subject
    # The next day it is chased again.
    tomorrow = today + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind_overdue_shipments(today=tomorrow) == [overdue.pk]
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent connections")
def test_concurrent_runs_remind_each_request_once():
    world = build_allotment_world()
    requests = [shipment(world, days_ago=20) for _ in range(20)]
    barrier = threading.Barrier(4)
    results = []

    def run():
        try:
            barrier.wait(timeout=30)
            results.append(services.remind_overdue_shipments())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    reminded = sorted(pk for result in results for pk in result)
    assert len(results) == 4
    assert reminded == sorted(r.pk for r in requests)


@pytest.mark.celery_worker
def test_the_task_run_twice_the_same_day_by_a_real_worker_mails_once(real_celery_worker):
    world = build_allotment_world()
    first = shipment(world, days_ago=15)
    second = shipment(world, days_ago=20)
    # Two runs at once (the worker has two processes), as two beat processes would cause.
    remind_overdue_shipments.apply_async()
    remind_overdue_shipments.apply_async()
    assert wait_until(lambda: len(real_celery_worker.outbox()) >= 2, timeout=60)
    # A third request becomes overdue; a later run the same day reminds it and no other.
    # Its pk is the highest, so any wrong reminder of the first two would be queued first.
    third = shipment(world, days_ago=16)
    remind_overdue_shipments.apply_async()
    assert wait_until(
        lambda: any(
            re.search(rf"#{third.pk}\b", m["Subject"]) for m in real_celery_worker.outbox()
        ),
        timeout=60,
    )
    assert wait_until(lambda: real_celery_worker.queued() == 0, timeout=30)
    subjects = [m["Subject"] for m in real_celery_worker.outbox()]
    reminded = sorted(int(re.search(r"#(\d+)", s).group(1)) for s in subjects)
    assert reminded == sorted([first.pk, second.pk, third.pk]), subjects
    today = timezone.localdate()
    assert set(
        KitRequest.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list(
            "last_reminded_on", flat=True
        )
    ) == {today}
