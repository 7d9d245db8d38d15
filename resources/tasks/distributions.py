"""Celery tasks: distributions."""
