"""Celery tasks of digital resources: thumbnails, download events and their daily roll-up.

Thin and idempotent: ids in, one service call. Re-running make_thumbnail replaces the
thumbnail; a redelivered record_download_event carries the same event_key and stores nothing
twice; drain_download_events writes each queued record once whatever is run again;
roll_up_downloads marks what it counted in the same transaction.
"""

from celery import shared_task
from celery.signals import worker_ready

from ..services import digital as services
from ..services import downloads

__all__ = [
    "drain_download_events",
    "make_thumbnail",
    "record_download_event",
    "roll_up_downloads",
]


@shared_task(name="resources.tasks.make_thumbnail", acks_late=True)
def make_thumbnail(resource_id):
    return services.make_thumbnail(resource_id=resource_id)


# Downloads used to be queued one task each; kept for messages still queued at an upgrade.
@shared_task(name="resources.tasks.record_download_event", acks_late=True, ignore_result=True)
def record_download_event(**event):
    return services.record_download(**event)


@shared_task(name="resources.tasks.drain_download_events", acks_late=True, ignore_result=True)
def drain_download_events(reclaim_after=downloads.RECLAIM_AFTER):
    """Scheduled every second by beat: write the download records queued on Redis."""
    return downloads.drain_downloads(reclaim_after=reclaim_after)


@worker_ready.connect
def _drain_after_worker_start(sender=None, **kwargs):
    # A worker killed mid-batch left its records in a processing list: a worker that starts
    # puts them back at once (written again, they count nothing twice).
    drain_download_events.delay(reclaim_after=0)


@shared_task(name="resources.tasks.roll_up_downloads", acks_late=True)
def roll_up_downloads():
    return services.roll_up_downloads()
