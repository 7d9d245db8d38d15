"""Every form label on the site's pages starts with a capital letter in English."""

import pytest
from django import forms
from django.utils import translation

from events.forms import StopPlanForm, TripReportForm

pytestmark = pytest.mark.django_db


class Lowercase(forms.Form):
    venue = forms.CharField(label="venue area")


def test_a_lower_case_label_is_rendered_capitalised():
    html = Lowercase().as_div()
    assert ">Venue area" in html
    assert ">venue area" not in html


@pytest.mark.parametrize("form_class", [StopPlanForm, TripReportForm])
def test_field_work_forms_show_capitalised_labels(form_class):
    with translation.override("en"):
        form = form_class()
        labels = [str(form[name].label) for name in form.fields]
    assert labels and all(label[0].isupper() for label in labels), labels
