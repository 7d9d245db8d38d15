from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template import loader
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.tasks import send_task_on_commit

from .models import Facility, FacilityStatus, MembershipRole, Region
from .services import check_account, create_account, facility_region, find_user


class SignUpForm(UserCreationForm):
    """The sign-up page; `save` creates the account through the same service as the API."""

    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Used for password resets and for news about your facility."),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        return self.cleaned_data["username"]  # taken or not: the account service says

    def _post_clean(self):
        super()._post_clean()
        data = self.cleaned_data
        try:
            check_account(
                username=data.get("username", ""),
                password=data.get("password1", ""),
                email=data.get("email", ""),
            )
        except ValidationError as exc:
            self.add_account_errors(exc)

    def add_account_errors(self, error):
        """Show the account service's errors; its password errors belong under the second field.

        A field the form already found fault with keeps its own message only.
        """
        for field, messages in error.message_dict.items():
            field = "password2" if field == "password" else field
            if field not in self.errors:
                self.add_error(field, messages)

    def save(self, commit=True):
        data = self.cleaned_data
        return create_account(
            username=data["username"], password=data["password1"], email=data["email"]
        )


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset whose mail goes out through Celery after the request, like all our mail."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_task_on_commit("facilities.tasks.send_mail_batch", subject, body, [to_email])


class RegionPickerWidget(forms.MultiWidget):
    """Three linked selects, province → prefecture → county, filled from the region tree.

    The server renders the options that the current value needs, so the form works (and
    re-displays) without JavaScript; static/js/region-picker.js loads the next level on change.
    """

    template_name = "facilities/widgets/region_picker.html"
    levels = (
        ("province", _("Province")),
        ("prefecture", _("Prefecture / city")),
        ("county", _("County / district")),
    )

    def __init__(self, attrs=None):
        widgets = {name: forms.Select() for name, _label in self.levels}
        super().__init__(widgets, attrs)

    def _render(self, template_name, context, renderer=None):
        # The project template engine, so the widget's template can live in templates/.
        return mark_safe(loader.render_to_string(template_name, context))

    def decompress(self, value):
        code = value.pk if isinstance(value, Region) else value
        if not code:
            return [None, None, None]
        chain = []
        region = Region.objects.filter(pk=code).select_related("parent__parent").first()
        while region is not None:
            chain.insert(0, region.code)
            region = region.parent
        return (chain + [None, None, None])[:3]

    def value_from_datadict(self, data, files, name):
        # A region given as one code (a "plan a stop here" link, a script) rather than the
        # three selects: the field resolves the code.
        if name in data and not any(f"{name}_{level}" in data for level, _label in self.levels):
            return data[name]
        return super().value_from_datadict(data, files, name)

    def get_context(self, name, value, attrs):
        if not isinstance(value, list | tuple):
            value = self.decompress(value)
        value = list(value) + [None] * (3 - len(value))
        parents = [None, value[0], value[1]]
        placeholder = [("", _("— choose —"))]
        for index, widget in enumerate(self.widgets):
            if index > 0 and not parents[index]:
                widget.choices = placeholder
                continue
            children = Region.objects.filter(parent_id=parents[index]).values_list("code", "name")
            widget.choices = placeholder + list(children.order_by("code"))
        context = super().get_context(name, value, attrs)
        for subwidget, (level, label) in zip(
            context["widget"]["subwidgets"], self.levels, strict=True
        ):
            subwidget["label"] = label
            subwidget["level"] = level
        return context


class RegionPickerField(forms.Field):
    """The deepest region chosen in a RegionPickerWidget; the choices must form a chain."""

    widget = RegionPickerWidget
    default_error_messages = {
        "required": _("Choose at least the province."),
        "invalid": _("The chosen regions do not belong together; choose them again."),
    }

    def to_python(self, value):
        if isinstance(value, Region):
            return value
        if isinstance(value, str):  # a stored value (initial data), not the three selects
            if not value:
                return None
            region = Region.objects.filter(pk=value).first()
            if region is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return region
        codes = list(value or [])
        while codes and not codes[-1]:
            codes.pop()
        if not codes:
            return None
        if not all(codes):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        regions = {region.code: region for region in Region.objects.filter(code__in=codes)}
        if len(regions) != len(codes):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        previous = None
        for code in codes:
            region = regions[code]
            if region.parent_id != previous:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            previous = code
        return regions[codes[-1]]

    def prepare_value(self, value):
        return value.pk if isinstance(value, Region) else value

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            new = self.to_python(data)
        except ValidationError:
            return True
        old = initial.pk if isinstance(initial, Region) else initial
        return (new.pk if new else None) != (old or None)


class FacilityForm(forms.ModelForm):
    """Registration and editing of a facility; the model validates uniqueness per region."""

    region = RegionPickerField(label=_("Region"))

    class Meta:
        model = Facility
        fields = [
            "name",
            "kind",
            "region",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, can_change_identity=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "organization"
        if not can_change_identity:
            for name in ("name", "kind", "region"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Ask an administrator to change this.")

    def clean_region(self):
        return facility_region(self.cleaned_data["region"])


class StaffForm(forms.Form):
    identifier = forms.CharField(
        label=_("User name or e-mail address"),
        max_length=254,
        help_text=_(
            "An existing account is added at once; an e-mail address without an account "
            "receives an invitation link."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.STAFF
    )

    def clean(self):
        cleaned = super().clean()
        identifier = (cleaned.get("identifier") or "").strip()
        cleaned["user"] = find_user(identifier)
        if cleaned["user"] is None and "@" not in identifier:
            self.add_error(
                "identifier",
                _("No account has this user name; enter an e-mail address to send an invitation."),
            )
        elif cleaned["user"] is None:
            try:
                validate_email(identifier)
            except ValidationError:
                self.add_error("identifier", _("Enter a valid e-mail address."))
        return cleaned


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the facility (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        help_text=_("Required; the applicant receives it by e-mail."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FacilityReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All"))] + list(FacilityStatus.choices),
        required=False,
    )
    q = forms.CharField(label=_("Search"), required=False)
