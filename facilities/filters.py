import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaigns.models import ParticipationStatus

from .models import Facility, FacilityKind, FacilityStatus, Region, RegionLevel, RegionTag


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("level"), choices=RegionLevel.choices)
    parent = django_filters.CharFilter(
        label=_("parent code"), field_name="parent_id", help_text=_("children of this region")
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("priority tag"),
        field_name="tags",
        to_field_name="code",
        queryset=RegionTag.objects.all(),
        help_text=_("regions carrying this tag, e.g. border"),
    )
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = Region
        fields = ["level", "parent", "tag"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))


class FacilityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=FacilityKind.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=FacilityStatus.choices)
    province = django_filters.CharFilter(label=_("province code"), field_name="province_id")
    region = django_filters.CharFilter(
        label=_("region code"), method="filter_region", help_text=_("matches sub-regions too")
    )
    campaign = django_filters.NumberFilter(
        label=_("campaign id"), method="filter_campaign", help_text=_("approved participants")
    )
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = Facility
        fields = ["kind", "status", "province", "region", "campaign"]

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)

    def filter_campaign(self, queryset, name, value):
        return queryset.filter(
            participations__campaign_id=value,
            participations__status=ParticipationStatus.APPROVED,
        )

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(region__name__icontains=value)
        )
