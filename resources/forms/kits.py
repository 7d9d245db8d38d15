"""Forms of the kit pages: the request form and the small forms of each workflow step."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility, FacilityStatus
from facilities.roles import get_scope

from ..models import KitRequestStatus


class KitRequestForm(forms.Form):
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.none(),
        help_text=_("The facility that will receive the kit."),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1_000_000, initial=1)
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Where and how the kit will be used (for example a tour of village schools)."),
    )

    def __init__(self, *args, kit, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kit = kit
        facilities = Facility.objects.filter(
            pk__in=get_scope(user).facility_ids, status=FacilityStatus.APPROVED
        ).order_by("name", "id")
        self.fields["facility"].queryset = facilities
        most = max(kit.quantity_total, 1)
        self.fields["quantity"].validators.append(MaxValueValidator(most))
        self.fields["quantity"].widget.attrs["max"] = most
        if len(facilities) == 1:
            self.fields["facility"].initial = facilities[0].pk


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.TextInput()
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"), max_length=2000, widget=forms.TextInput()
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(KitRequestStatus.choices),
    )
