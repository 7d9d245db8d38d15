import datetime

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import (
    Campaign,
    CampaignStatus,
    MonthlyReport,
    MonthlyReportStatus,
    Participation,
    ParticipationStatus,
)


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=CampaignStatus.choices)
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = Campaign
        fields = ["status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(theme__icontains=value) | Q(host__icontains=value)
        )


class ParticipationFilter(django_filters.FilterSet):
    campaign = django_filters.CharFilter(label=_("campaign (slug or id)"), method="filter_campaign")
    facility = django_filters.NumberFilter(label=_("facility id"), field_name="facility_id")
    status = django_filters.ChoiceFilter(label=_("status"), choices=ParticipationStatus.choices)
    province = django_filters.CharFilter(
        label=_("province code"), field_name="facility__province_id"
    )
    flag_awarded = django_filters.BooleanFilter(
        label=_("flag awarded"), field_name="flag_awarded_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Participation
        fields = ["campaign", "facility", "status", "province", "flag_awarded"]

    def filter_campaign(self, queryset, name, value):
        if value.isdigit():
            return queryset.filter(campaign_id=int(value))
        return queryset.filter(campaign__slug=value)


class MonthlyReportFilter(django_filters.FilterSet):
    facility = django_filters.NumberFilter(label=_("facility id"), field_name="facility_id")
    status = django_filters.ChoiceFilter(label=_("status"), choices=MonthlyReportStatus.choices)
    province = django_filters.CharFilter(
        label=_("province code"), field_name="facility__province_id"
    )
    year = django_filters.NumberFilter(
        label=_("year"), method="filter_year", min_value=2000, max_value=2100, decimal_places=0
    )

    class Meta:
        model = MonthlyReport
        fields = ["facility", "status", "province", "year"]

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(
            month__gte=datetime.date(year, 1, 1), month__lte=datetime.date(year, 12, 1)
        )
