"""Admin of exhibition sets and their exhibits, with a spreadsheet import of a set's exhibits.

New sets go through services.exhibits.create_set (who may, approved operator, unique code).
The import takes the columns code, name and model for the set chosen on the import form; a
dry run lists every bad row with its reason, and any bad row rolls the whole file back, as
the facility import does. Rows are checked by the same function as the service's import.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from config.spreadsheets import cell_text

from ..models import Exhibit, ExhibitionSet
from ..services import exhibits as services

EXHIBIT_COLUMNS = ("code", "name", "model")


class ExhibitImportResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code", widget=widgets.CharWidget())
    name = fields.Field(attribute="name", column_name="name", widget=widgets.CharWidget())
    model = fields.Field(attribute="model", column_name="model", widget=widgets.CharWidget())

    class Meta:
        model = Exhibit
        fields = EXHIBIT_COLUMNS
        import_order = EXHIBIT_COLUMNS
        force_init_instance = True  # an import adds exhibits; it never overwrites one
        use_bulk = True
        batch_size = 500
        skip_diff = False
        use_transactions = True

    def __init__(self, exhibition_set=None, **kwargs):
        super().__init__(**kwargs)
        self.exhibition_set = exhibition_set

    def before_import(self, dataset, **kwargs):
        if self.exhibition_set is None:
            raise ValidationError(_("Choose the exhibition set the exhibits belong to."))
        self._taken = set(self.exhibition_set.exhibits.values_list("code", flat=True))

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance.exhibition_set = self.exhibition_set
        instance.code, instance.name, instance.model = (
            cell_text(getattr(instance, name, "")) for name in EXHIBIT_COLUMNS
        )
        problems = services.exhibit_row_problems(
            code=instance.code,
            name=instance.name,
            model=instance.model,
            taken_codes=self._taken,
        )
        self._taken.add(instance.code)
        if problems:
            raise ValidationError({"code": [ValidationError(p) for p in problems]})


class ExhibitImportForm(ImportForm):
    exhibition_set = forms.ModelChoiceField(
        label=_("exhibition set"), queryset=ExhibitionSet.objects.order_by("code")
    )


class ExhibitConfirmImportForm(ConfirmImportForm):
    exhibition_set = forms.ModelChoiceField(
        queryset=ExhibitionSet.objects.all(), widget=forms.HiddenInput()
    )


class ExhibitInline(admin.TabularInline):
    model = Exhibit
    extra = 0
    fields = ["code", "name", "model", "status"]
    show_change_link = True


@admin.register(ExhibitionSet)
class ExhibitionSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "operator", "status", "campaign"]
    list_filter = ["status", "campaign"]
    search_fields = ["code", "name", "operator__name"]
    list_select_related = ["operator", "campaign"]
    autocomplete_fields = ["operator", "campaign"]

    inlines = [ExhibitInline]

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if obj is not None:
            return form_class

        class NewSetForm(form_class):
            def clean(self):
                cleaned = super().clean()
                operator = cleaned.get("operator")
                if operator is not None and not services.can_create_set(request.user, operator):
                    self.add_error(
                        "operator",
                        _("Only administrators and its province's coordinators add its sets."),
                    )
                return cleaned

        return NewSetForm

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new set goes through the service like every other door.
        created = services.create_set(
            by=request.user,
            code=obj.code,
            name=obj.name,
            operator=obj.operator,
            theme=obj.theme,
            campaign=obj.campaign,
        )
        obj.pk = created.pk
        obj.status = created.status
        obj.created_at, obj.updated_at = created.created_at, created.updated_at
        obj._state.adding = False


@admin.register(Exhibit)
class ExhibitAdmin(ImportMixin, admin.ModelAdmin):
    list_display = ["code", "name", "model", "status", "exhibition_set"]
    list_filter = ["status"]
    search_fields = ["code", "name", "model", "exhibition_set__code"]
    list_select_related = ["exhibition_set"]
    autocomplete_fields = ["exhibition_set"]

    import_form_class = ExhibitImportForm
    confirm_form_class = ExhibitConfirmImportForm
    formats = [XLSX, CSV]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(exhibition_set__in=ExhibitionSet.objects.managed_by(request.user))
        )

    def get_import_resource_classes(self, request):
        return [ExhibitImportResource]

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["exhibition_set"] = import_form.cleaned_data["exhibition_set"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        resource_kwargs = super().get_import_resource_kwargs(request, **kwargs)
        form = kwargs.get("form")
        if form is not None and getattr(form, "cleaned_data", None):
            exhibition_set = form.cleaned_data.get("exhibition_set")
            if exhibition_set is not None:
                if not services.can_manage_set(request.user, exhibition_set):
                    raise PermissionDenied
                resource_kwargs["exhibition_set"] = exhibition_set
        return resource_kwargs

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True  # all rows or none
        return kwargs
