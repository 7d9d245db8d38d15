"""Domain errors raised by service functions and translated by every door."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 409
    default_message = _("This action is not allowed now.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class InvalidTransition(DomainError):
    default_message = _("This change of status is not allowed.")


class InsufficientStock(DomainError):
    default_message = _("Not enough stock.")


class NotAllowed(DomainError):
    status_code = 403
    default_message = _("You are not allowed to do this.")


class BadRequest(DomainError):
    status_code = 400
    default_message = _("The request is not valid.")
