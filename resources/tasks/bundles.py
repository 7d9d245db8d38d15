"""Celery tasks: bundles."""
