"""Filters of the exhibition set list (API and pages)."""

import django_filters
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from ..models import ExhibitionSet, ExhibitionSetStatus

province_validator = RegexValidator(r"^\d{2}0000$", _("Give a six-digit province code."))


class ExhibitionSetFilter(django_filters.FilterSet):
    operator = django_filters.NumberFilter(field_name="operator_id", label=_("operator (id)"))
    province = django_filters.CharFilter(
        field_name="operator__province_id",
        validators=[province_validator],
        label=_("province (region code)"),
    )
    status = django_filters.ChoiceFilter(choices=ExhibitionSetStatus.choices, label=_("status"))
    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("campaign (id)"))

    class Meta:
        model = ExhibitionSet
        fields = ["operator", "province", "status", "campaign"]
