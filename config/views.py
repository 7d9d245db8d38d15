import socket
from concurrent.futures import ThreadPoolExecutor, wait
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
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
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()  # the fail-open cache hides its errors from everyone else
    cache.set("healthz", "1", 5)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return the value it stored")


def _check_storage():
    default_storage.exists("healthz-probe")


def _check_broker():
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            url, socket_connect_timeout=HEALTH_TIMEOUT, socket_timeout=HEALTH_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
        return
    parsed = urlparse(url)  # another transport: at least something must accept connections
    with socket.create_connection((parsed.hostname, parsed.port), timeout=HEALTH_TIMEOUT):
        pass


@never_cache
def healthz(request):
    """Report each configured backend; 503 naming the failing ones when any does not answer.

    The checks run in parallel and the answer comes within HEALTH_TIMEOUT whatever hangs:
    a check still running then is reported as "timeout" and left to finish on its own.
    """
    checks = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _check_broker
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    futures = {name: pool.submit(check) for name, check in checks.items()}
    wait(futures.values(), timeout=HEALTH_TIMEOUT)
    pool.shutdown(wait=False)
    results = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = "timeout"
        elif future.exception() is not None:
            results[name] = f"error: {future.exception().__class__.__name__}"
        else:
            results[name] = "ok"
    if not settings.CELERY_BROKER_URL:
        results["broker"] = "ok"  # tasks run in-process: nothing to reach
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


def _wants_json(request):
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """JSON for API paths (clients parse every answer), a page for everyone else."""
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Server error."))}, status=500)
    return render(request, "500.html", status=500)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": str(_("Bad request."))}, status=400)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": str(_("You are not allowed to do this."))}, status=403)
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A failed CSRF check: the site's own page and a plain way out, never Django's debug hint."""
    if _wants_json(request):
        return JsonResponse(
            {"detail": str(_("The form has expired; reload the page and try again."))}, status=403
        )
    return render(request, "403_csrf.html", status=403)
