"""Forms of exhibition sets: adding an exhibit, importing a spreadsheet of exhibits."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Exhibit, ExhibitionSet


class ExhibitForm(forms.ModelForm):
    class Meta:
        model = Exhibit
        fields = ["code", "name", "model"]


class ExhibitImportForm(forms.Form):
    """A spreadsheet (XLSX or CSV) with the columns code, name, model."""

    exhibition_set = forms.ModelChoiceField(
        label=_("exhibition set"), queryset=ExhibitionSet.objects.order_by("code")
    )
    file = forms.FileField(label=_("spreadsheet"), help_text=_("XLSX or CSV: code, name, model."))
    dry_run = forms.BooleanField(
        label=_("dry run: check the rows without saving"), required=False, initial=True
    )
