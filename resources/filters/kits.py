"""Filters of the kit and kit-request lists (API and pages)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import Kit, KitRequest, KitRequestStatus


class KitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))

    class Meta:
        model = Kit
        fields = ["campaign"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(code__icontains=value) | Q(name__icontains=value) | Q(description__icontains=value)
        )


class KitRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=KitRequestStatus.choices, label=_("Status"))
    campaign = django_filters.NumberFilter(field_name="kit__campaign", label=_("Campaign"))
    kit = django_filters.NumberFilter(field_name="kit", label=_("Kit"))
    facility = django_filters.NumberFilter(field_name="facility", label=_("Facility"))

    class Meta:
        model = KitRequest
        fields = ["status", "kit", "facility", "campaign", "origin"]
