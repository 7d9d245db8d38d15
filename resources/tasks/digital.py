"""Celery tasks: digital."""
