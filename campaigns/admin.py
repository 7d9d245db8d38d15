from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ServiceSaveMixin, run_service_action

from . import assessment, services
from .exports import ParticipationExportResource
from .models import (
    AssessmentWeights,
    Campaign,
    MonthlyReport,
    MonthlyReportTransition,
    Participation,
)


@admin.register(Campaign)
class CampaignAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Saved through save_campaign, as on the pages and in the API: national administrators
    only, the model's rules checked there."""

    list_display = ["title", "slug", "status", "starts_on", "ends_on", "host"]
    list_filter = ["status"]
    search_fields = ["title", "theme", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_on"

    def save_model(self, request, obj, form, change):
        services.save_campaign(campaign=obj, by=request.user)


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


# Assessment: monthly reports change status only through the services (the actions below);
# they are created and returned with a reason on the portal pages or through the API.


@admin.action(description=_("Submit the selected reports"))
def submit_reports(modeladmin, request, queryset):
    run_service_action(
        modeladmin,
        request,
        queryset.select_related("facility"),
        lambda report, user: assessment.submit_report(report=report, by=user),
        _("%(count)d reports submitted."),
        label=lambda report: f"{report.facility.name} {report.month_label}",
    )


@admin.action(description=_("Approve (province) or accept (centre) the selected reports"))
def approve_reports(modeladmin, request, queryset):
    run_service_action(
        modeladmin,
        request,
        queryset.select_related("facility"),
        lambda report, user: assessment.approve_report(report=report, by=user),
        _("%(count)d reports approved."),
        label=lambda report: f"{report.facility.name} {report.month_label}",
    )


class MonthlyReportTransitionInline(admin.TabularInline):
    model = MonthlyReportTransition
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "from_status", "to_status", "by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(SimpleHistoryAdmin):
    list_display = ["facility", "month", "status", "submitted_at", "approved_at", "accepted_at"]
    list_filter = ["status", ("facility__province", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["facility"]
    search_fields = ["facility__name"]
    date_hierarchy = "month"
    raw_id_fields = ["facility"]
    fields = [
        "facility",
        "month",
        "status",
        "figures",
        "summary",
        "returned_reason",
        "submitted_at",
        "approved_at",
        "accepted_at",
        "created_by",
    ]
    readonly_fields = [f for f in fields if f != "summary"]
    inlines = [MonthlyReportTransitionInline]
    actions = [submit_reports, approve_reports]

    def get_queryset(self, request):
        return super().get_queryset(request) & MonthlyReport.objects.visible_to(request.user)

    def has_add_permission(self, request):
        return False  # a facility opens its month on the portal or through the API

    def has_delete_permission(self, request, obj=None):
        return False  # the timeline and the frozen figures are the record

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != MonthlyReport._meta.get_field("status").default:
            return self.fields  # only a draft's summary may change
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        assessment.save_summary(report=obj, by=request.user, summary=obj.summary)


@admin.register(AssessmentWeights)
class AssessmentWeightsAdmin(admin.ModelAdmin):
    list_display = ["campaign", "weights", "updated_at"]
    autocomplete_fields = ["campaign"]
    list_select_related = ["campaign"]

    def save_model(self, request, obj, form, change):
        assessment.save_weights(campaign=obj.campaign, weights=obj.weights, by=request.user)
