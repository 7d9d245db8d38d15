import re

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import resolve
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than any upload the platform accepts, before reading it.

    Each door also checks its own, smaller limit (photos, banners, resources); this one keeps an
    oversized body from ever being spooled to disk.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_SIZE:
            return JsonResponse(
                {
                    "detail": _("The upload is too large: at most %(limit)d MB.")
                    % {"limit": settings.MAX_REQUEST_SIZE // (1024 * 1024)}
                },
                status=413,
            )
        return self.get_response(request)


class ServiceUnavailableMiddleware:
    """A backend outage that escapes a view (the object store during an admin upload, say)
    answers 503 with its message, as the API does, instead of a server error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from .storage import StorageUnavailable

        if not isinstance(exception, StorageUnavailable):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": str(exception.message)}, status=503)
        else:
            response = render(request, "503.html", {"message": exception.message}, status=503)
        response["Retry-After"] = str(exception.retry_after)
        return response


class DownloadLaneMiddleware:
    """The API download, the platform's hottest path, through only the middleware it uses.

    Placed right after the security headers and the size limit; for
    /api/v1/digital-resources/{id}/download/ it runs sessions, the language (its error bodies
    are translated) and authentication, then the view, as the full stack would, and skips the
    rest: static files, the CSRF check (a safe method), messages, model history and login
    lockouts have nothing to do for it, and a redirect or an attachment has no page for frame
    or content-security headers to protect. A storage outage still answers 503. Every other
    path goes down the full stack.
    """

    PATH = re.compile(r"/api/v1/digital-resources/[0-9]{1,18}/download/")

    def __init__(self, get_response):
        from django.contrib.auth.middleware import AuthenticationMiddleware
        from django.contrib.sessions.middleware import SessionMiddleware
        from django.middleware.locale import LocaleMiddleware

        self.get_response = get_response
        self.unavailable = ServiceUnavailableMiddleware(get_response)
        lane = convert_exception_to_response(self._view)
        for middleware in (AuthenticationMiddleware, LocaleMiddleware, SessionMiddleware):
            lane = convert_exception_to_response(middleware(lane))
        self.lane = lane

    def __call__(self, request):
        if self.PATH.fullmatch(request.path_info):
            return self.lane(request)
        return self.get_response(request)

    def _view(self, request):
        match = resolve(request.path_info, getattr(request, "urlconf", None))
        request.resolver_match = match
        try:
            return match.func(request, *match.args, **match.kwargs)
        except Exception as exception:
            response = self.unavailable.process_exception(request, exception)
            if response is None:
                raise
            return response
