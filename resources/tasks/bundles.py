"""Celery tasks: offline bundles. Thin and idempotent: ids in, one service call."""

from config.tasks import task

from ..services import bundles

__all__ = ["build_bundle", "record_bundle_download_event"]


@task(
    name="resources.tasks.build_bundle",
    formerly=["resources.build_bundle"],
    acks_late=True,
    reject_on_worker_lost=True,
)
def build_bundle(bundle_id):
    """Build (again) a bundle's ZIP; a build superseded by a newer request publishes nothing."""
    bundles.build_bundle(bundle_id=bundle_id)


@task(
    name="resources.tasks.record_bundle_download_event",
    formerly=["resources.record_bundle_download"],
    acks_late=True,
    ignore_result=True,
)
def record_bundle_download_event(**event):
    return bundles.record_bundle_download(**event)
