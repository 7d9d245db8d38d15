"""The one runner of admin bulk actions: a service applied to each selected row."""

from django.contrib import messages

from .errors import DomainError


def run_service_action(modeladmin, request, queryset, service, done_message, *, label=str):
    """Call `service(obj, request.user)` on each selected row; report successes and refusals.

    Each row goes through the same service function the pages and the API call, one
    transaction each, in primary-key order; a DomainError refuses that row only and becomes
    an error notice naming it by `label(obj)`. `done_message` is a string formatted with
    `%(count)d`, or a function of the count (for ngettext plurals).
    """
    done, refused = 0, []
    for obj in queryset.order_by("pk"):
        try:
            service(obj, request.user)
        except DomainError as error:
            refused.append(f"{label(obj)}: {error.message}")
        else:
            done += 1
    if done:
        text = done_message(done) if callable(done_message) else done_message % {"count": done}
        modeladmin.message_user(request, text, messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.ERROR)
