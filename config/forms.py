"""The site's form renderer: every form and field renders through one template pair, so every
page shows errors the same way (a summary at the top, the message above its field), and every
label starts with a capital letter whatever the form declared (labels are often a model
field's lower-case verbose name)."""

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.text import capfirst


class SiteBoundField(BoundField):
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.label = capfirst(self.label)


class SiteFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = SiteBoundField
