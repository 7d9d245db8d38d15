"""Forms of the activity pages. They check shape; services.py checks the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from facilities.models import Facility, FacilityStatus, Region
from facilities.roles import get_scope
from resources.models import DigitalResource, Kit, KitRequestStatus

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


class RegionCodeField(forms.ModelChoiceField):
    """A region typed as its six-digit code (a select of ~3,000 regions helps nobody)."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Region.objects.all(),
            widget=forms.TextInput(
                attrs={"inputmode": "numeric", "pattern": r"\d{6}", "maxlength": 6}
            ),
            error_messages={"invalid_choice": _("There is no region with this code.")},
            **kwargs,
        )


class ActivityChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ActivityKind.choices)
    title = _model_field("title")
    starts_at = forms.DateTimeField(label=_("starts at"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("ends at"), widget=DateTimeLocalInput(), required=False)
    venue = _model_field("venue")
    region = RegionCodeField(
        label=_("region code"),
        required=False,
        help_text=_(
            "Six-digit code of where it took place; leave empty for the facility's region."
        ),
    )
    audience_count = forms.IntegerField(label=_("audience"), min_value=0, initial=0)
    description = _model_field("description", widget=forms.Textarea(attrs={"rows": 5}))
    kits_used = forms.ModelMultipleChoiceField(
        label=_("kits used"),
        queryset=Kit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kits your facility received and used in this activity."),
    )
    resources_used = forms.ModelMultipleChoiceField(
        label=_("digital resources used"),
        queryset=DigitalResource.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Resources of the joint actions shown or handed out in this activity."),
    )

    def __init__(self, *args, user=None, facility_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facility_ids is None:
            facility_ids = get_scope(user).facility_ids if user is not None else ()
        # Offer what the service accepts: kits the facilities received, resources the user
        # may see (those of a campaign; the API takes any visible one).
        self.fields["kits_used"].queryset = (
            Kit.objects.filter(
                requests__facility_id__in=list(facility_ids),
                requests__status=KitRequestStatus.RECEIVED,
            )
            .distinct()
            .order_by("code")
        )
        self.fields["resources_used"].queryset = (
            DigitalResource.objects.visible_to(user)
            .published()
            .filter(campaign__isnull=False)
            .order_by("title", "id")
        )

    @classmethod
    def initial_from(cls, activity):
        initial = {name: getattr(activity, name) for name in cls.base_fields}
        initial["kits_used"] = list(activity.kits_used.all())
        initial["resources_used"] = list(activity.resources_used.all())
        return initial


class ActivityReportForm(ActivityChangeForm):
    campaign = forms.ModelChoiceField(label=_("campaign"), queryset=Campaign.objects.none())
    facility = forms.ModelChoiceField(label=_("facility"), queryset=Facility.objects.none())

    field_order = ["campaign", "facility"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.public()
        self.fields["facility"].queryset = Facility.objects.filter(
            pk__in=get_scope(user).facility_ids, status=FacilityStatus.APPROVED
        )


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("photo"),
        help_text=_("JPEG, PNG or WebP."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_TYPES}),
    )
    caption = forms.CharField(label=_("caption"), max_length=300, required=False)
    credit = forms.CharField(label=_("credit"), max_length=200, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
