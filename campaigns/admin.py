from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from facilities.admin import run_service_action
from facilities.resources import ParticipationExportResource

from . import services
from .models import Campaign, Participation


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "starts_on", "ends_on", "host"]
    list_filter = ["status"]
    search_fields = ["title", "theme", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_on"


def _run(modeladmin, request, queryset, service, done_message):
    run_service_action(
        modeladmin,
        request,
        queryset.select_related("facility"),
        lambda participation, user: service(participation=participation, by=user),
        done_message,
        label=lambda participation: participation.facility.name,
    )


@admin.action(description=_("Approve the selected applications"))
def approve_participations(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        services.approve_participation,
        _("%(count)d participations approved."),
    )


@admin.action(description=_("Award the joint-action flag to the selected participants"))
def award_flags(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, services.award_flag, _("%(count)d flags awarded."))


@admin.action(description=_("Withdraw the selected participations"))
def withdraw_participations(modeladmin, request, queryset):
    _run(
        modeladmin,
        request,
        queryset,
        services.withdraw_participation,
        _("%(count)d participations withdrawn."),
    )


@admin.register(Participation)
class ParticipationAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ["facility", "campaign", "status", "applied_at", "flag_awarded_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["facility__name"]
    list_select_related = ["facility", "campaign"]
    autocomplete_fields = ["facility", "campaign", "flag_ceremony"]
    readonly_fields = [
        "status",
        "applied_at",
        "applied_by",
        "approved_at",
        "approved_by",
        "flag_awarded_at",
        "flag_awarded_by",
    ]
    actions = [approve_participations, award_flags, withdraw_participations]
    resource_classes = [ParticipationExportResource]
    formats = [CSV, XLSX]

    def get_queryset(self, request):
        return super().get_queryset(request) & Participation.objects.visible_to(request.user)
