"""Admin of offline bundles: edited here, their ZIP built by a task; "rebuild" asks for a new build."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import ResourceBundle
from ..services import bundles as bundle_services

# Bundle fields written into its manifest.json: changing them asks for a rebuild.
BUNDLE_MANIFEST_FIELDS = {"title", "description", "campaign"}


@admin.register(ResourceBundle)
class ResourceBundleAdmin(admin.ModelAdmin):
    list_display = ["title", "campaign", "status", "file_size", "built_at", "download_count"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign", "resources"]

    readonly_fields = [
        "status",
        "file",
        "file_size",
        "sha256",
        "manifest",
        "error",
        "revision",
        "download_count",
        "built_at",
    ]
    actions = ["rebuild_bundles"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = set(form.changed_data)
        if "resources" in changed or (change and BUNDLE_MANIFEST_FIELDS & changed):
            bundle_services.request_rebuild(bundle_ids=[form.instance.pk])

    @admin.action(description=_("Rebuild the selected bundles"))
    def rebuild_bundles(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        bundle_services.request_rebuild(bundle_ids=ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d bundle will be rebuilt.",
                "%(count)d bundles will be rebuilt.",
                len(ids),
            )
            % {"count": len(ids)},
            messages.SUCCESS,
        )
