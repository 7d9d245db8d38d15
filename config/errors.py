"""Domain errors raised by service functions and translated by every door."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 409
    default_message = _("This action is not allowed now.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))

    def messages_by_field(self):
        """{field: [messages]}; the field is None when the refusal is about the whole request.

        A service may name the input at fault by setting `field` on the error it raises.
        """
        return {getattr(self, "field", None): [self.message]}


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


class InvalidFields(BadRequest):
    """Several inputs refused at once, each with its own message: `{field: message(s)}`."""

    def __init__(self, errors):
        self.errors = {
            field: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for field, messages in errors.items()
        }
        super().__init__(" ".join(m for messages in self.errors.values() for m in messages))

    @classmethod
    def from_validation_error(cls, error):
        """The same refusal as a model's ValidationError (full_clean), field by field."""
        if hasattr(error, "error_dict"):
            return cls(error.message_dict)
        return cls({NON_FIELD_ERRORS: error.messages})

    def messages_by_field(self):
        return self.errors
