"""Admin behaviour of kits and kit requests, mixed into KitAdmin and KitRequestAdmin.

The admin is one more door onto the services: stock and status change only through them,
so the edit forms keep those fields read-only and the bulk actions call the services one
request at a time, reporting each refusal as an admin message.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from config.admin import ServiceSaveMixin, run_service_action

from ..models import Kit, KitRequest, KitRequestTransition
from ..services import kits as services


@admin.register(Kit)
class KitAdmin(ServiceSaveMixin, SimpleHistoryAdmin):
    """Total stock is edited here; available stock only moves through the services, whose
    refusal (a total below what requests hold) shows on the form."""

    list_display = ["code", "name", "campaign", "quantity_total", "quantity_available"]
    list_filter = ["campaign"]
    search_fields = ["code", "name"]
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign"]

    readonly_fields = [
        "quantity_available",
        "quantity_allotted",
        "quantity_allotted_left",
        "created_at",
        "updated_at",
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            services.create_kit(kit=obj, by=request.user)
            return
        total_changed = "quantity_total" in form.changed_data
        services.update_kit(
            kit=obj,
            by=request.user,
            changed_fields=form.changed_data,
            quantity_total=form.cleaned_data["quantity_total"] if total_changed else None,
        )


class KitRequestTransitionInline(admin.TabularInline):
    model = KitRequestTransition
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(KitRequest)
class KitRequestAdmin(SimpleHistoryAdmin):
    """Requests are created in the portal, the API or by distributions, and move only
    through the workflow services; here reviewers approve or reject them in bulk."""

    list_display = ["id", "kit", "facility", "quantity", "status", "origin", "created_at"]
    list_filter = ["status", "origin", "kit"]
    search_fields = ["facility__name", "kit__code", "tracking_number"]
    list_select_related = ["kit", "facility"]
    autocomplete_fields = ["kit", "facility"]
    raw_id_fields = ["distribution", "created_by"]

    inlines = [KitRequestTransitionInline]
    actions = ["approve_selected", "reject_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in KitRequest._meta.concrete_fields if f.name != "purpose"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting would lose the stock an approved request holds; cancel it instead.
        return False

    def _run(self, request, queryset, service, done_message):
        run_service_action(
            self,
            request,
            queryset.select_related("kit", "facility"),
            service,
            done_message,
            label=lambda kit_request: f"#{kit_request.pk} {kit_request.kit.code}",
        )

    @admin.action(description=_("Approve selected requests (reserves stock)"))
    def approve_selected(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda kit_request, by: services.approve_request(kit_request=kit_request, by=by),
            lambda n: ngettext("%(n)d request approved.", "%(n)d requests approved.", n) % {"n": n},
        )

    @admin.action(description=_("Reject selected requests…"))
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if request.POST.get("confirm") and reason:
            self._run(
                request,
                queryset,
                lambda kit_request, by: services.reject_request(
                    kit_request=kit_request, by=by, reason=reason
                ),
                lambda n: (
                    ngettext("%(n)d request rejected.", "%(n)d requests rejected.", n) % {"n": n}
                ),
            )
            return None
        if request.POST.get("confirm"):
            self.message_user(request, _("Give the reason for the rejection."), messages.ERROR)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject kit requests"),
            "queryset": queryset.select_related("kit", "facility"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "resources/kits/admin_reject.html", context)
