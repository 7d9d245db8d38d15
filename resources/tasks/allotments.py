"""Celery tasks: chasing shipments whose receipt is not confirmed. Thin: the service decides."""

from config.tasks import task

from ..services import allotments

__all__ = ["remind_overdue_shipments"]


@task(
    name="resources.tasks.remind_overdue_shipments",
    formerly=["resources.remind_overdue_shipments"],
    acks_late=True,
)
def remind_overdue_shipments():
    """Mail a reminder for each overdue shipment; a second run the same day sends none."""
    return allotments.remind_overdue_shipments()
