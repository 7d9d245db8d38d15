"""Celery tasks of the activities app: thin wrappers that take ids and call a service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def make_photo_thumbnail(photo_id):
    """Thumbnail one photo; safe to run twice (the second run finds the thumbnail made)."""
    return services.make_thumbnail(photo_id=photo_id)
