"""REST permissions shared by every app's API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from facilities.roles import get_scope


class IsNationalAdmin(permissions.BasePermission):
    """National administrators only; the 403 answer says `message`, which an endpoint may word."""

    message = _("Only national administrators may do this.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message

    def has_permission(self, request, view):
        return get_scope(request.user).is_admin
