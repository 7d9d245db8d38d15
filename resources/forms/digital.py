"""Forms of digital resources: the admin's upload and edit form.

The form checks the file as the publishing service will (size, content type against the
format), so that a refused file is a form error next to the field and not an error page.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.errors import DomainError
from config.files import check_picture

from ..models import DigitalResource
from ..services.uploads import check_format, inspect_upload


class DigitalResourceAdminForm(forms.ModelForm):
    class Meta:
        model = DigitalResource
        fields = [
            "title",
            "description",
            "format",
            "category",
            "campaign",
            "access",
            "file",
            "cover",
        ]
        help_texts = {
            "file": _(
                "Its content decides its type: it must match the format. Size, SHA-256 and "
                "content type are computed on save."
            ),
            "cover": _("Optional image shown as the thumbnail of videos, documents and others."),
        }

    def clean(self):
        cleaned = super().clean()
        resource_format = cleaned.get("format")
        upload = cleaned.get("file")
        new_file = "file" in self.changed_data and upload
        try:
            if new_file and resource_format:
                inspect_upload(
                    upload,
                    resource_format=resource_format,
                    max_size=settings.RESOURCE_MAX_UPLOAD_SIZE,
                )
            elif resource_format and self.instance.pk and "format" in self.changed_data:
                check_format(resource_format, self.instance.content_type)
        except DomainError as error:
            self.add_error("file" if new_file else "format", error.message)
        cover = cleaned.get("cover")
        if cover and "cover" in self.changed_data:
            try:
                check_picture(cover, max_size=settings.PHOTO_MAX_UPLOAD_SIZE)
            except DomainError as error:
                self.add_error("cover", error.message)
        return cleaned
