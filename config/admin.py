"""Admin plumbing shared by every app: the one runner of bulk actions (a service applied to
each selected row), and change forms that save through a service and show its refusal."""

from django.contrib import admin, messages

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


# Admin change forms that save through a service and show its refusal on the form.
#
# The admin validates a form before `save_model` runs, so a service refusing the save there
# (a permission, a workflow rule, a stock rule checked under a row lock) would be a server
# error. ServiceSaveMixin lets `save_model` raise the DomainError: the admin's transaction is
# rolled back and the same form is shown again, with the user's input and the service's message
# next to the field it names, as a form error would be.
class ServiceSaveMixin:
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            if request.method != "POST" or hasattr(request, "service_refusal"):
                raise
            request.service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                for field, field_messages in refusal.messages_by_field().items():
                    self.add_error(field if field in self.fields else None, field_messages)
                return cleaned

        return RefusedForm


def service_action(service, keyword, *, description, done, name=None, label=str):
    """An admin action calling `service(by=user, <keyword>=row)` on each selected row, through
    run_service_action; `done` is its success message (see run_service_action). `name` is the
    action's name in the admin's form, needed when the action is listed as a function rather
    than by the name of a ModelAdmin attribute."""

    def action(modeladmin, request, queryset):
        run_service_action(
            modeladmin,
            request,
            queryset,
            lambda obj, user: service(by=user, **{keyword: obj}),
            done,
            label=label,
        )

    action.__name__ = name or service.__name__
    return admin.action(description=description)(action)
