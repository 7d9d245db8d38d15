"""Celery tasks: kits."""
