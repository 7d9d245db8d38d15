from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
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
