"""Forms of the allotment pages, the receipt and the resolution of discrepancies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.models import Region, RegionLevel

from ..models import DiscrepancyResolution, ReceiptCondition


def _province_field(label):
    return forms.ModelChoiceField(
        label=label,
        queryset=Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"),
        to_field_name="code",
    )


class AllotForm(forms.Form):
    province = _province_field(_("Province"))
    quantity = forms.IntegerField(label=_("Units to allot"), min_value=0, max_value=1_000_000_000)


class AllotmentQuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("Units allotted"), min_value=0, max_value=1_000_000_000)


class MoveForm(forms.Form):
    from_province = _province_field(_("From province"))
    to_province = _province_field(_("To province"))
    quantity = forms.IntegerField(label=_("Units to move"), min_value=1, max_value=1_000_000_000)


class ReceiveForm(forms.Form):
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=ReceiptCondition.choices,
        initial=ReceiptCondition.COMPLETE,
        required=False,  # no condition: everything arrived complete
    )
    quantity_received = forms.IntegerField(
        label=_("Units received"), required=False, min_value=0, max_value=1_000_000
    )
    quantity_damaged = forms.IntegerField(
        label=_("Of which damaged"), required=False, min_value=0, max_value=1_000_000
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    photo = forms.FileField(label=_("Photo of what arrived"), required=False)


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=DiscrepancyResolution.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
