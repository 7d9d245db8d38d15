"""The one way every app queues a Celery task.

A task is queued after the transaction that asked for it commits (a worker never reads a row
that is not there yet), without Celery's publish retries (a request never waits on a broker
that is down), and a broker that cannot be reached never turns the action into an error: small
work (mail, thumbnails, download records) then runs in this process, work with a sweeper of
its own (bulk distributions, bundle builds) is left for the sweeper to queue again.

Services name the task they queue ("resources.tasks.build_bundle") instead of importing it: task
modules import services, never the reverse.
"""

import logging

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from .celery import app

logger = logging.getLogger(__name__)

# What publishing a task may raise when the broker cannot be reached.
BROKER_ERRORS = (BrokerError, OSError)
# What to do with a task the broker cannot take.
RUN_HERE = "run here"
LATER = "later"


def registered_task(name):
    """The task registered under `name`, loading every app's tasks module the first time."""
    if name not in app.tasks:
        # Outside a worker Celery imports the tasks modules only when asked to.
        app.loader.import_default_modules()
    return app.tasks[name]


def send_task(task, *args, if_unreachable=RUN_HERE, **kwargs):
    """Queue `task(*args, **kwargs)` now; True when the broker took it.

    `task` is a task or the name it is registered under.

    When the broker cannot be reached, RUN_HERE runs the task in this process (its errors
    propagate) and LATER only logs, for callers whose sweeper queues the work again. In the
    embedded mode (no broker, eager tasks) the task runs here and its errors propagate.
    """
    if isinstance(task, str):
        task = registered_task(task)
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
        return True
    except BROKER_ERRORS as exc:
        if task.app.conf.task_always_eager:
            raise  # the task itself failed: there is no broker to miss
        if if_unreachable == LATER:
            logger.warning("broker unreachable (%s); %s left for later", exc, task.name)
            return False
        logger.warning("broker unreachable (%s); running %s in-process", exc, task.name)
    task.run(*args, **kwargs)
    return False


def send_task_on_commit(task, *args, if_unreachable=RUN_HERE, **kwargs):
    """send_task once the current transaction commits (at once outside a transaction).

    Whatever happens to the task (broker down, the in-process run failing) is logged and
    never becomes an error of the request or command that committed.
    """
    transaction.on_commit(
        lambda: send_task(task, *args, if_unreachable=if_unreachable, **kwargs), robust=True
    )


def task(*, name, formerly=(), **options):
    """shared_task(name=name, **options), registered under its former names as well.

    Task names follow the module path, `<app>.tasks.<function>`. A message carries the name
    it was sent under, so messages queued before a rename still run under the old one.
    """

    def register(function):
        for old_name in formerly:
            shared_task(name=old_name, **options)(function)
        return shared_task(name=name, **options)(function)

    return register
