"""The form that starts a bulk distribution."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from config.errors import BadRequest
from facilities.models import FacilityKind, Region, RegionLevel

from ..models import Kit
from ..services import distributions as services


class KitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, kit):
        return _("%(code)s %(name)s (%(available)d available)") % {
            "code": kit.code,
            "name": kit.name,
            "available": kit.quantity_available,
        }


class DistributionForm(forms.Form):
    kit = KitChoiceField(queryset=Kit.objects.order_by("code", "id"), label=_("Kit"))
    quantity_per_facility = forms.IntegerField(
        label=_("Quantity per facility"), min_value=1, max_value=100_000, initial=1
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "-id"),
        required=False,
        label=_("Approved participants of the campaign"),
        empty_label=_("Any campaign"),
    )
    province = forms.ModelChoiceField(
        queryset=Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"),
        to_field_name="code",
        required=False,
        label=_("Province"),
        empty_label=_("Any province"),
        help_text=_("Facilities at every level of the province: provincial, prefecture, county."),
    )
    kind = forms.ChoiceField(
        choices=[("", _("Any kind"))] + list(FacilityKind.choices),
        required=False,
        label=_("Kind of facility"),
    )
    facilities = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Facilities (ids or names)"),
        help_text=_("One facility id or exact name per line."),
    )
    file = forms.FileField(
        required=False,
        label=_("List file (CSV or XLSX)"),
        help_text=_("The first column holds facility ids or names; a header row is allowed."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    allow_partial = forms.BooleanField(
        required=False,
        label=_("As far as stock allows"),
        help_text=_(
            "When the stock cannot cover every facility, serve them by ascending facility id "
            "until it runs out and report who was left out, instead of refusing."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        labels = [line.strip() for line in cleaned.get("facilities", "").splitlines()]
        labels = [label for label in labels if label]
        upload = cleaned.get("file")
        if upload:
            try:
                labels += services.read_facility_list(upload)
            except BadRequest as exc:
                self.add_error("file", str(exc.message))
        cleaned["facility_labels"] = labels
        return cleaned
