"""Celery tasks of digital resources: thumbnails, download events and their daily roll-up.

Thin and idempotent: ids in, one service call. Re-running make_thumbnail replaces the
thumbnail; a redelivered record_download_event carries the same event_key and stores nothing
twice; roll_up_downloads marks what it counted in the same transaction.
"""

from celery import shared_task

from ..services import digital as services

__all__ = ["make_thumbnail", "record_download_event", "roll_up_downloads"]


@shared_task(name="resources.tasks.make_thumbnail", acks_late=True)
def make_thumbnail(resource_id):
    return services.make_thumbnail(resource_id=resource_id)


@shared_task(name="resources.tasks.record_download_event", acks_late=True, ignore_result=True)
def record_download_event(**event):
    return services.record_download(**event)


@shared_task(name="resources.tasks.roll_up_downloads", acks_late=True)
def roll_up_downloads():
    return services.roll_up_downloads()
