"""Celery tasks of the campaigns app: thin wrappers that call a service."""

from celery import shared_task

from . import assessment


@shared_task(acks_late=True)
def remind_monthly_reports():
    """On the 3rd of each month: one reminder per facility that owes last month's report.

    Safe to run again: a unique (facility, month) row guards every mail.
    """
    return assessment.send_monthly_reminders()
