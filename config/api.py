"""The REST API: one router for every app, and the error translation shared by all viewsets."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def exception_handler(exc, context):
    """Domain errors from services become 409 (or their own status), with DRF's field errors
    when they name the inputs at fault; model validation 400."""
    if isinstance(exc, DomainError):
        by_field = exc.messages_by_field()
        if None in by_field:
            body = {"detail": str(exc.message)}
        else:
            body = {field: [str(m) for m in messages] for field, messages in by_field.items()}
        response = Response(body, status=exc.status_code)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    return drf_exception_handler(exc, context)


class Router(DefaultRouter):
    """Integer object ids only: anything else in their place is a plain 404 from the resolver.

    Up to 18 digits so that an id always fits PostgreSQL's bigint instead of failing in the query.
    """

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        if lookup_field in ("pk", "id") and not hasattr(viewset, "lookup_value_regex"):
            lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
            return f"(?P<{lookup_prefix}{lookup_url_kwarg}>[0-9]{{1,18}})"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = Router()


def build_router():
    """Each app registers its viewsets in its own `api.register(router)`."""
    from campaigns import api as campaigns_api
    from events import api as events_api
    from facilities import api as facilities_api
    from resources import api as resources_api

    # Resources first: the resolver tries routes in order, and the catalogue is the busiest.
    for module in (resources_api, facilities_api, campaigns_api, events_api):
        module.register(router)
    return router


__all__ = ["build_router", "exception_handler", "router", "status"]
