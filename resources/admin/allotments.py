"""Admin of provincial allotments and receipt discrepancies: one more door onto
services.allotments, so the same rules (sum within the total, never below used, one
resolution) hold here as in the pages and the API."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin import run_service_action
from config.errors import DomainError

from ..models import Allotment, Discrepancy, DiscrepancyResolution
from ..services import allotments as services


class AllotmentAdminForm(forms.ModelForm):
    class Meta:
        model = Allotment
        fields = ["kit", "province", "quantity"]

    def __init__(self, *args, request_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_user = request_user

    def clean(self):
        """Run the service here, so a refusal is a form error and nothing is half-saved.

        The service saves the allotment itself; AllotmentAdmin.save_model only reloads it.
        """
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk:
                services.set_allotment(
                    allotment=self.instance, quantity=cleaned["quantity"], by=self.request_user
                )
            else:
                self.instance = services.allot(
                    kit=cleaned["kit"],
                    province=cleaned["province"],
                    quantity=cleaned["quantity"],
                    by=self.request_user,
                )
        except DomainError as error:
            raise ValidationError(str(error.message)) from error
        return cleaned

    def validate_unique(self):
        pass  # the service answers a second allotment of a province with a clear message


@admin.register(Allotment)
class AllotmentAdmin(admin.ModelAdmin):
    form = AllotmentAdminForm
    list_display = ["kit", "province", "quantity", "used", "left"]
    list_filter = ["province"]
    list_select_related = ["kit", "province"]
    search_fields = ["kit__code", "kit__name", "province__name"]
    autocomplete_fields = ["kit", "province"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request_user=request.user, **inner)

        return WithUser

    def get_readonly_fields(self, request, obj=None):
        return ["kit", "province", "used"] if obj else ["used"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def save_model(self, request, obj, form, change):
        form.instance.refresh_from_db()  # saved by the service in the form's clean()

    def has_delete_permission(self, request, obj=None):
        return False  # requests point at it; set it to what is used instead

    @admin.display(description=_("left"))
    def left(self, obj):
        return obj.left


@admin.register(Discrepancy)
class DiscrepancyAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kit_request",
        "kind",
        "quantity_missing",
        "quantity_damaged",
        "status",
        "resolution",
        "opened_at",
    ]
    list_filter = ["status", "kind", "resolution"]
    list_select_related = ["kit_request__kit", "kit_request__facility"]
    search_fields = ["kit_request__facility__name", "kit_request__kit__code", "note"]
    raw_id_fields = ["kit_request", "replacement", "resolved_by"]
    actions = ["send_replacements", "write_off"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Discrepancy._meta.concrete_fields]

    def has_add_permission(self, request):
        return False  # opened by receipts only

    def has_delete_permission(self, request, obj=None):
        return False

    def _resolve(self, request, queryset, resolution):
        run_service_action(
            self,
            request,
            queryset,
            lambda discrepancy, by: services.resolve_discrepancy(
                discrepancy=discrepancy, resolution=resolution, by=by
            ),
            lambda n: (
                ngettext("%(n)d discrepancy resolved.", "%(n)d discrepancies resolved.", n)
                % {"n": n}
            ),
            label=lambda discrepancy: f"#{discrepancy.pk}",
        )

    @admin.action(description=_("Send replacements for the selected discrepancies"))
    def send_replacements(self, request, queryset):
        self._resolve(request, queryset, DiscrepancyResolution.REPLACEMENT)

    @admin.action(description=_("Write off the units of the selected discrepancies"))
    def write_off(self, request, queryset):
        self._resolve(request, queryset, DiscrepancyResolution.WRITTEN_OFF)
