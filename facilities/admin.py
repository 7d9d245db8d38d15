from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX

from config.admin import run_service_action, service_action

from . import services
from .imports import FacilityExportResource, FacilityImportResource, RegionTagImportResource
from .models import (
    Facility,
    Membership,
    ProvincialCoordinator,
    Region,
    RegionTag,
    RegionTagAssignment,
)
from .roles import get_scope


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_grouping"]
    list_filter = ["level", "is_grouping"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


approve_facilities = service_action(
    services.approve_facility,
    "facility",
    name="approve_facilities",
    description=_("Approve the selected facilities"),
    done=_("%(count)d facilities approved."),
)


suspend_facilities = service_action(
    services.suspend_facility,
    "facility",
    name="suspend_facilities",
    description=_("Suspend the selected facilities"),
    done=_("%(count)d facilities suspended."),
)


class FacilityActionForm(ActionForm):
    reason = forms.CharField(label=_("Reason (required to reject)"), max_length=500, required=False)


@admin.action(description=_("Reject the selected facilities (give the reason)"))
def reject_facilities(modeladmin, request, queryset):
    reason = request.POST.get("reason", "")
    run_service_action(
        modeladmin,
        request,
        queryset,
        lambda facility, user: services.reject_facility(facility=facility, by=user, reason=reason),
        _("%(count)d facilities rejected."),
    )


@admin.register(Facility)
class FacilityAdmin(ImportExportModelAdmin):
    list_display = ["name", "kind", "level", "status", "region", "province", "created_at"]
    list_filter = ["status", "kind", "level", ("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "contact_name", "region__name"]
    list_select_related = ["region", "province"]
    autocomplete_fields = ["region", "parent"]
    readonly_fields = ["status", "created_at", "updated_at", "decided_at", "decided_by"]
    inlines = [MembershipInline]
    actions = [approve_facilities, suspend_facilities, reject_facilities]
    action_form = FacilityActionForm
    formats = [CSV, XLSX]

    def get_queryset(self, request):
        # Coordinators with admin access see their provinces only, like everywhere else.
        return super().get_queryset(request).managed_by(request.user)

    def get_import_resource_classes(self, request):
        return [FacilityImportResource]

    def get_export_resource_classes(self, request):
        return [FacilityExportResource]

    def has_import_permission(self, request):
        return get_scope(request.user).is_admin

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # All rows or none, in the confirmed import as in the preview.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "facility", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "facility__name"]
    list_select_related = ["user", "facility"]
    autocomplete_fields = ["user", "facility"]


@admin.register(ProvincialCoordinator)
class ProvincialCoordinatorAdmin(admin.ModelAdmin):
    list_display = ["user", "province", "created_at"]
    search_fields = ["user__username", "province__name"]
    list_select_related = ["user", "province"]
    autocomplete_fields = ["user", "province"]


@admin.register(RegionTag)
class RegionTagAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


@admin.register(RegionTagAssignment)
class RegionTagAssignmentAdmin(ImportExportModelAdmin):
    """Which regions carry which tag; imported from a spreadsheet of (region, tag) rows."""

    list_display = ["region", "tag"]
    list_filter = ["tag"]
    search_fields = ["region__code", "region__name"]
    list_select_related = ["region", "tag"]
    raw_id_fields = ["region"]
    formats = [CSV, XLSX]

    def get_import_resource_classes(self, request):
        return [RegionTagImportResource]

    def get_export_resource_classes(self, request):
        return [RegionTagImportResource]

    def has_import_permission(self, request):
        return get_scope(request.user).is_admin

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs
