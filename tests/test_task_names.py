"""Celery task names: one scheme, `<app>.tasks.<function>`, and the former names still served."""

import pytest

import campaigns.tasks  # noqa: F401 - the modules the worker's autodiscovery imports
import events.tasks  # noqa: F401
import facilities.tasks  # noqa: F401
import resources.tasks  # noqa: F401
from config.celery import app
from resources.models import ResourceBundle

APPS = ("campaigns", "events", "facilities", "resources")
FORMER_NAMES = {
    "resources.run_distribution": "resources.tasks.run_distribution",
    "resources.resume_distributions": "resources.tasks.resume_distributions",
    "resources.build_bundle": "resources.tasks.build_bundle",
    "resources.record_bundle_download": "resources.tasks.record_bundle_download_event",
    "resources.remind_overdue_shipments": "resources.tasks.remind_overdue_shipments",
}


def test_every_task_is_named_after_its_app_and_function():
    ours = {name: task for name, task in app.tasks.items() if name.startswith(APPS)}
    current = {name: task for name, task in ours.items() if name not in FORMER_NAMES}
    assert current
    for name, task in current.items():
        function = task.__wrapped__
        assert name == f"{function.__module__.split('.')[0]}.tasks.{function.__name__}"


def test_the_beat_schedule_uses_the_current_names(settings):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        assert entry["task"] not in FORMER_NAMES


@pytest.mark.parametrize(("former", "current"), FORMER_NAMES.items())
def test_a_former_name_resolves_to_the_same_work_with_the_same_options(former, current):
    old, new = app.tasks[former], app.tasks[current]
    assert old.__wrapped__ is new.__wrapped__
    for option in ("acks_late", "reject_on_worker_lost", "ignore_result", "max_retries"):
        assert getattr(old, option) == getattr(new, option)
    assert type(old).__mro__[1:] == type(new).__mro__[1:]  # same base (DistributionTask …)


@pytest.mark.django_db
def test_a_message_queued_under_a_former_name_still_runs():
    bundle = ResourceBundle.objects.create(title="离线包")
    app.tasks["resources.record_bundle_download"].apply(kwargs={"bundle_id": bundle.pk}).get()
    bundle.refresh_from_db()
    assert bundle.download_count == 1
