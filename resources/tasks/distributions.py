"""Celery tasks: bulk distributions. Thin: ids in, the service does the work."""

import datetime

from celery import Task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from config.tasks import LATER, send_task, task

from ..services import distributions

__all__ = ["resume_distributions", "run_distribution"]


class DistributionTask(Task):
    """Marks the distribution failed (returning its reserved stock) once retries are spent."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        distribution_id = args[0] if args else kwargs.get("distribution_id")
        if distribution_id is not None:
            distributions.fail_distribution(distribution_id=distribution_id, error=str(exc))


@task(
    name="resources.tasks.run_distribution",
    formerly=["resources.run_distribution"],
    base=DistributionTask,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=8,
)
def run_distribution(distribution_id):
    """Run (or resume) a distribution; a second delivery finds nothing left to do."""
    distributions.run_distribution(distribution_id=distribution_id)


@task(
    name="resources.tasks.resume_distributions",
    formerly=["resources.resume_distributions"],
    acks_late=True,
)
def resume_distributions(waiting_minutes=None):
    """Queue unfinished distributions again: all of them (a worker died while running one),
    or those left `queued` for `waiting_minutes` (periodic: their message never went out)."""
    queued_before = None
    if waiting_minutes is not None:
        queued_before = timezone.now() - datetime.timedelta(minutes=waiting_minutes)
    return distributions.resume_unfinished_distributions(queued_before=queued_before)


@worker_ready.connect
def _resume_after_worker_start(sender=None, **kwargs):
    # A worker killed mid-run leaves its message unacknowledged until the broker's visibility
    # timeout; a worker that starts picks the work up at once instead.
    send_task(resume_distributions, if_unreachable=LATER)
