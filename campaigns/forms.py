from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import Activity, ActivityKind
from facilities.models import Facility, Region, RegionLevel, RegionTag

from .models import Campaign, ParticipationStatus
from .stats import StatsFilter
from .suggestions import MAX_COUNT


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "title",
            "slug",
            "theme",
            "host",
            "description",
            "launch_place",
            "starts_on",
            "ends_on",
            "status",
            "banner",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "slug": _("The campaign's address: /campaigns/<slug>/ (letters, digits, hyphens)."),
        }

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        return cleaned


class ApplyForm(forms.Form):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=Facility.objects.none())

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities
        if len(facilities) == 1:
            self.fields["facility"].initial = facilities[0].pk
            self.fields["facility"].widget = forms.HiddenInput()


class AwardFlagForm(forms.Form):
    ceremony = forms.ModelChoiceField(
        label=_("Ceremony"),
        queryset=Activity.objects.none(),
        required=False,
        help_text=_("The activity at which the flag was handed over (optional)."),
    )
    awarded_at = forms.DateTimeField(
        label=_("Awarded at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for the ceremony's time, or now."),
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ceremony"].queryset = Activity.objects.filter(
            campaign=campaign, kind=ActivityKind.LAUNCH_CEREMONY
        ).order_by("-starts_at", "-id")


class ParticipantFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All"))] + list(ParticipationStatus.choices),
        required=False,
    )
    q = forms.CharField(label=_("Search"), required=False)


class CoverageFilterForm(forms.Form):
    """Query parameters of the coverage API and pages: ?level=&parent=&tag=."""

    level = forms.ChoiceField(label=_("level"), choices=RegionLevel.choices, required=False)
    parent = forms.RegexField(
        label=_("parent region"),
        regex=r"^\d{6}$",
        required=False,
        error_messages={"invalid": _("Give a six-digit region code such as 230000.")},
    )
    tag = forms.ModelChoiceField(
        label=_("priority tag"),
        queryset=RegionTag.objects.all(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("There is no priority tag with this code.")},
    )

    def clean(self):
        cleaned = super().clean()
        code = cleaned.get("parent")
        parent = Region.objects.filter(pk=code).first() if code else None
        if code and parent is None:
            self.add_error("parent", _("There is no region with this code."))
            return cleaned
        level = cleaned.get("level")
        depth = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}
        if parent is not None:
            if not level:
                level = (
                    RegionLevel.PREFECTURE
                    if parent.level == RegionLevel.PROVINCE
                    else RegionLevel.COUNTY
                )
            if depth[level] <= depth[parent.level]:
                self.add_error(
                    "level", _("The level must be below the level of the parent region.")
                )
        cleaned["level"] = level or RegionLevel.PROVINCE
        cleaned["parent_region"] = parent
        return cleaned

    def coverage_arguments(self):
        tag = self.cleaned_data.get("tag")
        parent = self.cleaned_data.get("parent_region")
        return {
            "level": self.cleaned_data["level"],
            "parent": parent.code if parent else None,
            "tag": tag.code if tag else None,
        }


class SuggestedStopsForm(forms.Form):
    """Query parameters of the suggested stops API: ?exhibition_set=<id>&count=."""

    exhibition_set = forms.IntegerField(
        label=_("exhibition set"),
        min_value=1,
        error_messages={
            "required": _("Give the id of the exhibition set."),
            "invalid": _("Give the id of the exhibition set as a whole number."),
        },
    )
    count = forms.IntegerField(
        label=_("count"),
        min_value=1,
        max_value=MAX_COUNT,
        required=False,
        error_messages={"invalid": _("Give the number of counties as a whole number.")},
    )


class StatsFilterForm(forms.Form):
    """The query parameters of the stats API: ?province=<code>&date_from=&date_to=."""

    province = forms.RegexField(
        label=_("Province"),
        regex=r"^\d{2}0000$",
        required=False,
        error_messages={"invalid": _("Give a six-digit province code such as 230000.")},
    )
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def selected_provinces(self):
        province = self.cleaned_data.get("province")
        return (province,) if province else ()

    def to_filter(self):
        return StatsFilter(
            provinces=tuple(self.selected_provinces()),
            date_from=self.cleaned_data.get("date_from"),
            date_to=self.cleaned_data.get("date_to"),
        )


class DashboardFilterForm(StatsFilterForm):
    """Campaign, province (only the user's own for coordinators) and a date window."""

    campaign = forms.ChoiceField(label=_("Joint action"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    field_order = ["campaign", "province", "date_from", "date_to"]

    def __init__(self, data, *, campaigns, provinces, scope):
        super().__init__(data)
        self.campaigns = {campaign.slug: campaign for campaign in campaigns}
        self.fields["campaign"].choices = [(c.slug, c.title) for c in campaigns]
        self.scoped = not scope.is_admin
        self.allowed = tuple(code for code, _name in provinces)
        choices = list(provinces)
        if not (self.scoped and len(choices) == 1):
            everything = gettext("All my provinces") if self.scoped else gettext("All provinces")
            choices.insert(0, ("", everything))
        self.fields["province"].choices = choices

    def selected_provinces(self):
        province = self.cleaned_data.get("province")
        if province:
            return (province,)
        return self.allowed if self.scoped else ()

    def fallback_filter(self):
        """What to show when the submitted filter is not valid: everything the user may see."""
        return StatsFilter(provinces=self.allowed if self.scoped else ())

    def selected_campaign(self, default):
        if self.is_bound and self.is_valid():
            return self.campaigns.get(self.cleaned_data.get("campaign"), default)
        return self.campaigns.get(self.data.get("campaign"), default)
