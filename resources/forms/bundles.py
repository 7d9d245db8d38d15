"""The form that asks for a new offline bundle."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign

from ..models import Category, DigitalResource, ResourceAccess


class BundleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    access = forms.ChoiceField(
        label=_("Access"), choices=ResourceAccess.choices, initial=ResourceAccess.PUBLIC
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-starts_on", "-id"),
        required=False,
        label=_("Every published resource of the campaign"),
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        label=_("Every published resource of the category"),
    )
    resources = forms.ModelMultipleChoiceField(
        queryset=DigitalResource.objects.published().order_by("title", "id"),
        required=False,
        label=_("Resources"),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
