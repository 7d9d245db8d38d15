"""The site's form renderer: every form and field renders through one template pair, so every
page shows errors the same way (a summary at the top, the message above its field)."""

from django.forms.renderers import TemplatesSetting


class SiteFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
