"""Filters of the activity list, shared by the API and the public feed."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Activity, ActivityKind, ActivityStatus

region_code_validator = RegexValidator(r"^\d{6}$", _("A region code has six digits."))


def filter_province(queryset, name, value):
    """Where the activity took place: its region lies in the province."""
    return queryset.filter(region__code__startswith=value[:2])


class ActivityFilter(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("campaign (id)"))
    facility = django_filters.NumberFilter(field_name="facility_id", label=_("facility (id)"))
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("kind"))
    status = django_filters.ChoiceFilter(choices=ActivityStatus.choices, label=_("status"))
    province = django_filters.CharFilter(
        method=filter_province,
        validators=[region_code_validator],
        label=_("province (region code)"),
    )

    class Meta:
        model = Activity
        fields = ["campaign", "facility", "kind", "status", "province"]


def province_choices():
    from facilities.models import Region, RegionLevel

    return [("", _("All provinces"))] + list(
        Region.objects.filter(level=RegionLevel.PROVINCE).values_list("code", "name")
    )


class FeedFilter(django_filters.FilterSet):
    """The public feed: by kind and by province."""

    kind = django_filters.ChoiceFilter(
        choices=ActivityKind.choices, label=capfirst(_("kind")), empty_label=_("All kinds")
    )
    province = django_filters.ChoiceFilter(
        choices=[], method=filter_province, label=capfirst(_("province")), empty_label=None
    )

    class Meta:
        model = Activity
        fields = ["kind", "province"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once per page: a callable would be queried again for every use of the field.
        self.filters["province"].extra["choices"] = province_choices()
