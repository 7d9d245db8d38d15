"""Filters of repair tickets and known faults (API, queue page and export)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import KnownFault, RepairCause, RepairSeverity, RepairStatus, RepairTicket
from .exhibits import province_validator


class RepairTicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RepairStatus.choices, label=_("status"))
    severity = django_filters.ChoiceFilter(choices=RepairSeverity.choices, label=_("severity"))
    cause = django_filters.ChoiceFilter(choices=RepairCause.choices, label=_("cause"))
    exhibition_set = django_filters.NumberFilter(
        field_name="exhibition_set_id", label=_("exhibition set (id)")
    )
    province = django_filters.CharFilter(
        field_name="exhibition_set__operator__province_id",
        validators=[province_validator],
        label=_("province (region code)"),
    )
    model = django_filters.CharFilter(field_name="exhibit__model", label=_("exhibit model"))

    class Meta:
        model = RepairTicket
        fields = ["status", "severity", "cause", "exhibition_set", "province", "model"]


class KnownFaultFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model", label=_("exhibit model"))
    q = django_filters.CharFilter(method="search", label=_("search symptom and fix"))

    class Meta:
        model = KnownFault
        fields = ["model", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(symptom__icontains=value) | Q(fix__icontains=value) | Q(model__icontains=value)
        )
