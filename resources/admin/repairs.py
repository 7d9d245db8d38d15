"""Admin of exhibit care: hand-over checklists (read only), repair tickets worked through the
services, and the known faults."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import service_action

from ..models import HandOver, HandOverItem, KnownFault, RepairTicket, RepairTicketTransition
from ..services import repairs as services


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HandOverItemInline(ReadOnlyInline):
    model = HandOverItem
    fields = ["exhibit", "condition", "note"]
    readonly_fields = fields


@admin.register(HandOver)
class HandOverAdmin(admin.ModelAdmin):
    list_display = ["id", "stop", "stage", "recorded_by", "recorded_at"]
    list_filter = ["stage"]
    list_select_related = ["stop", "recorded_by"]
    search_fields = ["stop__venue", "stop__exhibition_set__code"]
    raw_id_fields = ["stop", "recorded_by"]
    date_hierarchy = "recorded_at"
    inlines = [HandOverItemInline]

    def has_add_permission(self, request):
        return False  # checklists are recorded through the service (pages and API)

    def has_change_permission(self, request, obj=None):
        return False


class TransitionInline(ReadOnlyInline):
    model = RepairTicketTransition
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields


@admin.register(RepairTicket)
class RepairTicketAdmin(admin.ModelAdmin):
    list_display = ["id", "exhibit", "exhibition_set", "severity", "cause", "status", "opened_at"]
    list_filter = ["status", "severity", "cause"]
    list_select_related = ["exhibit", "exhibition_set"]
    search_fields = ["fault", "exhibit__code", "exhibit__model", "exhibition_set__code"]
    raw_id_fields = ["exhibit", "stop", "handover_item", "known_fault", "opened_by"]
    date_hierarchy = "opened_at"
    readonly_fields = [
        "exhibit",
        "exhibition_set",
        "stop",
        "handover_item",
        "status",
        "opened_by",
        "opened_at",
        "resolved_at",
        "resolution",
        "known_fault",
    ]
    inlines = [TransitionInline]
    actions = ["diagnose_selected", "write_off_selected"]

    def has_add_permission(self, request):
        return False  # tickets are opened through the service (pages, API, checklists)

    diagnose_selected = service_action(
        services.diagnose_ticket,
        "ticket",
        description=_("Start diagnosing the selected tickets"),
        done=_("%(count)d tickets in diagnosis."),
    )

    write_off_selected = service_action(
        services.write_off_ticket,
        "ticket",
        description=_("Write off the exhibits of the selected tickets"),
        done=_("%(count)d exhibits written off."),
    )


@admin.register(KnownFault)
class KnownFaultAdmin(admin.ModelAdmin):
    list_display = ["model", "symptom", "times_used", "created_at"]
    search_fields = ["model", "symptom", "fix"]
    readonly_fields = ["times_used", "created_by"]
    list_select_related = ["created_by"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.add_known_fault(
            by=request.user, model=obj.model, symptom=obj.symptom, fix=obj.fix
        )
        obj.pk = created.pk
