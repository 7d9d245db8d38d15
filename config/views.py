import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlparse

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from campaigns.models import Campaign

HEALTH_TIMEOUT = 3.0


def home(request):
    campaign = Campaign.objects.current()
    return render(request, "home.html", {"campaign": campaign})


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this runs in a worker thread with its own connection


def _check_cache():
    cache.set("healthz", "1", 5)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return the value it stored")


def _check_storage():
    default_storage.exists("healthz-probe")


def _check_broker():
    url = urlparse(settings.CELERY_BROKER_URL)
    with socket.create_connection((url.hostname, url.port or 6379), timeout=HEALTH_TIMEOUT):
        pass


@never_cache
def healthz(request):
    """Report each configured backend; 503 naming the failing ones when any does not answer."""
    checks = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    results = {}
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        for name, future in futures.items():
            try:
                future.result(timeout=HEALTH_TIMEOUT)
                results[name] = "ok"
            except FutureTimeout:
                results[name] = "timeout"
            except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
                results[name] = f"error: {exc.__class__.__name__}"
    if not settings.CELERY_BROKER_URL:
        results["broker"] = "ok"  # tasks run in-process: nothing to reach
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
