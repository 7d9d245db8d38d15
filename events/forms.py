"""Forms of the activity pages. They check shape; services.py checks the rules."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from config.images import READABLE_FORMATS
from facilities.forms import RegionPickerField
from facilities.models import Facility, FacilityStatus
from facilities.roles import get_scope
from facilities.services import facility_region
from resources.models import DigitalResource, Kit, KitRequestStatus

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

    def clean_region(self):
        return facility_region(self.cleaned_data["region"])

    @classmethod
    def initial_from(cls, activity):
        initial = {name: getattr(activity, name) for name in cls.base_fields}
        initial["kits_used"] = list(activity.kits_used.all())
        initial["resources_used"] = list(activity.resources_used.all())
        return initial


class ActivityReportForm(ActivityChangeForm):
    campaign = forms.ModelChoiceField(
        label=capfirst(_("campaign")), queryset=Campaign.objects.none()
    )
    facility = forms.ModelChoiceField(
        label=capfirst(_("facility")), queryset=Facility.objects.none()
    )

    field_order = ["campaign", "facility"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
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


# Field work: stops, attendance, trips.


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StopPlanForm(forms.Form):
    region = RegionPickerField(label=_("County"), help_text=_("The county the set goes to."))
    venue = forms.CharField(label=_("venue"), max_length=200)
    venue_area_m2 = forms.IntegerField(
        label=_("venue area (m²)"), min_value=1, max_value=100_000, required=False
    )
    opening_days = forms.CharField(
        label=_("opening days"),
        max_length=100,
        required=False,
        help_text=_("For example: Wednesday to Sunday, 9:00–16:30."),
    )
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("ends on"), widget=DateInput())
    host = forms.ModelChoiceField(
        label=_("host facility"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("The facility that receives the set, if it is on the platform."),
    )

    def __init__(self, *args, province_code=None, **kwargs):
        super().__init__(*args, **kwargs)
        hosts = Facility.objects.filter(status=FacilityStatus.APPROVED)
        if province_code:
            hosts = hosts.filter(province_id=province_code)
        self.fields["host"].queryset = hosts.order_by("name", "id")


class AttendanceForm(forms.Form):
    """Made for a phone: a date that defaults to today, two numbers and one button."""

    date = forms.DateField(label=_("date"), widget=DateInput())
    visitors = forms.IntegerField(
        label=_("visitors"),
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    school_groups = forms.IntegerField(
        label=_("school groups"),
        min_value=0,
        max_value=10_000,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class TripPlanForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("caravan"), queryset=Facility.objects.none())
    region = RegionPickerField(label=_("County"), help_text=_("The county the caravan goes to."))
    destination = forms.CharField(label=_("destination"), max_length=200)
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("ends on"), widget=DateInput())
    purpose = forms.CharField(
        label=_("purpose"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    campaign = forms.ModelChoiceField(
        label=_("campaign"), queryset=Campaign.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        from facilities.models import FacilityKind

        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = Facility.objects.filter(
            pk__in=get_scope(user).facility_ids,
            kind=FacilityKind.CARAVAN,
            status=FacilityStatus.APPROVED,
        )
        self.fields["campaign"].queryset = Campaign.objects.public()


class TripReportForm(forms.Form):
    distance_km = forms.IntegerField(label=_("distance (km)"), min_value=0, max_value=5_000)
    audience_total = forms.IntegerField(label=_("audience"), min_value=0, max_value=1_000_000)
    activities_count = forms.IntegerField(label=_("activities"), min_value=0, max_value=1_000)
    summary = forms.CharField(
        label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
