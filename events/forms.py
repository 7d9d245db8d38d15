"""Forms of the activity pages. They check shape; services.py checks the rules."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from facilities.forms import RegionPickerField
from facilities.models import Facility, FacilityStatus
from facilities.roles import get_scope
from facilities.services import facility_region

from .images import READABLE_FORMATS
from .models import Activity, ActivityKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
ACCEPTED_TYPES = ",".join(f"image/{name.lower()}" for name in READABLE_FORMATS)


def _model_field(name, **kwargs):
    return Activity._meta.get_field(name).formfield(**kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class ActivityChangeForm(forms.Form):
    kind = forms.ChoiceField(label=capfirst(_("kind")), choices=ActivityKind.choices)
    title = _model_field("title")
    starts_at = forms.DateTimeField(label=capfirst(_("starts at")), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(
        label=capfirst(_("ends at")), widget=DateTimeLocalInput(), required=False
    )
    venue = _model_field("venue")
    region = RegionPickerField(
        label=_("Region"),
        required=False,
        help_text=_("Where it took place; leave empty for the facility's region."),
    )
    audience_count = forms.IntegerField(label=capfirst(_("audience")), min_value=0, initial=0)
    description = _model_field("description", widget=forms.Textarea(attrs={"rows": 5}))

    def clean_region(self):
        return facility_region(self.cleaned_data["region"])

    @classmethod
    def initial_from(cls, activity):
        return {name: getattr(activity, name) for name in cls.base_fields}


class ActivityReportForm(ActivityChangeForm):
    campaign = forms.ModelChoiceField(
        label=capfirst(_("campaign")), queryset=Campaign.objects.none()
    )
    facility = forms.ModelChoiceField(
        label=capfirst(_("facility")), queryset=Facility.objects.none()
    )

    field_order = ["campaign", "facility"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.public()
        self.fields["facility"].queryset = Facility.objects.filter(
            pk__in=get_scope(user).facility_ids, status=FacilityStatus.APPROVED
        )


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=capfirst(_("photo")),
        help_text=_("JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_TYPES}),
    )
    caption = forms.CharField(label=capfirst(_("caption")), max_length=300, required=False)
    credit = forms.CharField(label=capfirst(_("credit")), max_length=200, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=capfirst(_("reason for rejection")),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
