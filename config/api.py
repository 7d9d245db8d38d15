"""The REST API: one router for every app, and the error translation shared by all viewsets."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def exception_handler(exc, context):
    """Domain errors from services become 409 (or their own status); model validation 400."""
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    return drf_exception_handler(exc, context)


router = DefaultRouter()


def build_router():
    """Each app registers its viewsets in its own `api.register(router)`."""
    from campaigns import api as campaigns_api
    from events import api as events_api
    from facilities import api as facilities_api
    from resources import api as resources_api

    for module in (facilities_api, campaigns_api, resources_api, events_api):
        module.register(router)
    return router


__all__ = ["build_router", "exception_handler", "router", "status"]
