"""Admin change forms that save through a service and show its refusal on the form.

The admin validates a form before `save_model` runs, so a service refusing the save there
(a permission, a workflow rule, a stock rule checked under a row lock) would be a server
error. ServiceSaveMixin lets `save_model` raise the DomainError: the admin's transaction is
rolled back and the same form is shown again, with the user's input and the service's message
next to the field it names, as a form error would be.
"""

from config.errors import DomainError


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
                for field, messages in refusal.messages_by_field().items():
                    self.add_error(field if field in self.fields else None, messages)
                return cleaned

        return RefusedForm
