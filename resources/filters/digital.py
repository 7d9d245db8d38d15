"""Filters of the digital-resource catalogue: the REST API (sync clients) and the pages."""

import datetime
import re

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from campaigns.models import Campaign

from ..models import Category, DigitalResource, ResourceAccess, ResourceFormat, ResourceStatus

STATUS_ALL = "all"
ORDERINGS = {
    "-published_at": ("-published_at", "-id"),
    "updated_at": ("updated_at", "id"),
    "-download_count": ("-download_count", "id"),
    "title": ("title", "id"),
}
DEFAULT_ORDERING = "-published_at"


class LenientIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 whose '+08:00' may arrive as ' 08:00' (an unencoded '+' in a query string)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r" (\d{2}(:?\d{2})?)$", r"+\1", value.strip())
        moment = super().to_python(value)
        if moment is None:
            return None
        # In UTC before it reaches the database: Python accepts offsets up to ±23:59,
        # PostgreSQL only up to ±15:59; a time that overflows in UTC is no time at all.
        try:
            return moment.astimezone(datetime.UTC)
        except (OverflowError, ValueError) as error:
            raise ValidationError(_("Enter a valid date and time."), code="invalid") from error


class LenientIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = LenientIsoDateTimeField


def search(queryset, value):
    return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class DigitalResourceFilter(django_filters.FilterSet):
    """The API catalogue's filters; published only unless `status` says otherwise."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search title and description"))
    campaign = django_filters.NumberFilter(field_name="campaign_id", label=_("Campaign (id)"))
    category = django_filters.CharFilter(field_name="category__slug", label=_("Category (slug)"))
    format = django_filters.ChoiceFilter(choices=ResourceFormat.choices, label=_("Format"))
    access = django_filters.ChoiceFilter(choices=ResourceAccess.choices, label=_("Access"))
    status = django_filters.ChoiceFilter(
        choices=[*ResourceStatus.choices, (STATUS_ALL, _("All, withdrawn included"))],
        method="filter_nothing",
        label=_("Status (default published; 'all' for sync clients)"),
    )
    updated_since = LenientIsoDateTimeFilter(
        method="filter_nothing",
        label=_("Changed strictly after this time (ISO 8601); ordered by updated_at, id"),
    )
    after_id = django_filters.NumberFilter(
        method="filter_nothing",
        label=_("With updated_since: also items changed exactly then with a larger id"),
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        method="filter_nothing",
        label=_("Ordering (id breaks ties)"),
    )

    class Meta:
        model = DigitalResource
        fields = []

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset):
        return catalogue_options(super().filter_queryset(queryset), self.form.cleaned_data)


def catalogue_options(queryset, data):
    """Status (published by default), `updated_since` with `after_id`, and the ordering."""
    status = data.get("status") or ResourceStatus.PUBLISHED
    if status != STATUS_ALL:
        queryset = queryset.filter(status=status)
    since = data.get("updated_since")
    ordering = data.get("ordering")
    if since is not None:
        after_id = data.get("after_id")
        if after_id is None:
            queryset = queryset.filter(updated_at__gt=since)
        else:
            queryset = queryset.filter(
                Q(updated_at__gt=since) | Q(updated_at=since, id__gt=after_id)
            )
        ordering = ordering or "updated_at"
    return queryset.order_by(*ORDERINGS[ordering or DEFAULT_ORDERING])


class CatalogueFilterBackend(DjangoFilterBackend):
    """A query naming none of the filters (a plain catalogue page) gets the defaults straight
    away: every filter skips an absent value, and building and validating the filter form
    cost a fifth of such a page's time."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if (
            filterset_class is DigitalResourceFilter
            and filterset_class.base_filters.keys().isdisjoint(request.query_params.keys())
        ):
            return catalogue_options(queryset, {})
        return super().filter_queryset(request, queryset, view)


class CatalogueFilter(django_filters.FilterSet):
    """The catalogue page's search form: published resources only."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.public(), label=_("Campaign"), empty_label=_("All campaigns")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        label=_("Category"),
        empty_label=_("All categories"),
    )
    format = django_filters.ChoiceFilter(
        choices=ResourceFormat.choices, label=_("Format"), empty_label=_("All formats")
    )
    sort = django_filters.ChoiceFilter(
        choices=[
            ("newest", _("Newest first")),
            ("downloads", _("Most downloaded")),
            ("title", _("Title")),
        ],
        method="filter_nothing",
        label=_("Sort by"),
        empty_label=None,
    )

    class Meta:
        model = DigitalResource
        fields = []

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        ordering = {"downloads": "-download_count", "title": "title"}.get(
            self.form.cleaned_data.get("sort"), DEFAULT_ORDERING
        )
        return queryset.order_by(*ORDERINGS[ordering])
