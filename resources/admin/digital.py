"""Admin behaviour of digital resources, mixed into DigitalResourceAdmin.

Saving goes through the publishing services (checksum, sniffed type, thumbnail task);
withdrawing and publishing again are bulk actions on the services. Only national
administrators publish, as in the API.
"""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin import service_action
from config.tasks import send_task_on_commit
from facilities.roles import get_scope

from ..forms.digital import DigitalResourceAdminForm
from ..models import Category, DigitalResource, DownloadDaily, DownloadEvent
from ..services import digital as services


@admin.register(DigitalResource)
class DigitalResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "format", "access", "status", "campaign", "category", "download_count"]
    list_filter = ["status", "access", "format", "category", "campaign"]
    search_fields = ["title", "description", "sha256"]
    list_select_related = ["campaign", "category"]
    autocomplete_fields = ["campaign", "category"]
    date_hierarchy = "published_at"

    form = DigitalResourceAdminForm
    actions = ["withdraw_selected", "republish_selected", "regenerate_thumbnails"]
    readonly_fields = [
        "thumbnail_preview",
        "status",
        "original_filename",
        "file_size",
        "sha256",
        "content_type",
        "download_count",
        "published_at",
        "withdrawn_at",
        "updated_at",
        "created_by",
    ]

    def _publisher(self, request):
        return get_scope(request.user).is_admin

    def has_add_permission(self, request):
        return self._publisher(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._publisher(request) and super().has_change_permission(request, obj)

    @admin.display(description=_("thumbnail"))
    def thumbnail_preview(self, obj):
        if not obj.thumbnail:
            return "–"
        return format_html('<img src="{}" alt="" style="max-width:240px">', obj.thumbnail.url)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            services.publish_resource(
                by=request.user,
                instance=obj,
                file=data["file"],
                title=data["title"],
                description=data.get("description", ""),
                resource_format=data["format"],
                category=data.get("category"),
                campaign=data.get("campaign"),
                access=data["access"],
                cover=data.get("cover") or None,
            )
            return
        cover = None
        if "cover" in form.changed_data:
            cover = data.get("cover") or False
        services.update_resource(
            resource=obj,
            by=request.user,
            file=data["file"] if "file" in form.changed_data else None,
            cover=cover,
            resource_format=data["format"],
            **{name: data.get(name) for name in services.EDITABLE_FIELDS},
        )

    withdraw_selected = service_action(
        services.withdraw_resource,
        "resource",
        description=_("Withdraw the selected resources"),
        done=lambda n: ngettext("%d resource withdrawn.", "%d resources withdrawn.", n) % n,
    )
    republish_selected = service_action(
        services.republish_resource,
        "resource",
        description=_("Publish the selected resources again"),
        done=lambda n: (
            ngettext("%d resource published again.", "%d resources published again.", n) % n
        ),
    )

    @admin.action(description=_("Make the thumbnails again"))
    def regenerate_thumbnails(self, request, queryset):
        count = 0
        for resource_id in queryset.values_list("id", flat=True):
            send_task_on_commit("resources.tasks.make_thumbnail", resource_id=resource_id)
            count += 1
        self.message_user(
            request,
            ngettext("%d thumbnail queued.", "%d thumbnails queued.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]


@admin.register(DownloadEvent)
class DownloadEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "resource", "bundle", "channel", "facility", "province_code"]
    list_filter = ["channel"]
    list_select_related = ["resource", "bundle", "facility"]
    raw_id_fields = ["resource", "bundle", "user", "facility", "region"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # events are recorded by downloads only

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DownloadDaily)
class DownloadDailyAdmin(admin.ModelAdmin):
    list_display = ["date", "resource", "province_code", "count"]
    list_select_related = ["resource"]
    raw_id_fields = ["resource"]
    date_hierarchy = "date"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # rows are made by the roll-up task only

    def has_change_permission(self, request, obj=None):
        return False
