from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import admin_allotments  # noqa: F401 (registers the allotment and discrepancy admins)
from .admin_digital import DigitalResourceAdminMixin
from .admin_distributions import DistributionAdminMixin, ResourceBundleAdminMixin
from .admin_exhibits import ExhibitAdminMixin, ExhibitionSetAdminMixin
from .admin_kits import KitAdminMixin, KitRequestAdminMixin
from .admin_repairs import HandOverAdmin, KnownFaultAdmin, RepairTicketAdmin  # noqa: F401 (registers)
from .models import (
    Category,
    DigitalResource,
    Distribution,
    DownloadDaily,
    DownloadEvent,
    Exhibit,
    ExhibitionSet,
    Kit,
    KitRequest,
    ResourceBundle,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]


@admin.register(DigitalResource)
class DigitalResourceAdmin(DigitalResourceAdminMixin, admin.ModelAdmin):
    list_display = ["title", "format", "access", "status", "campaign", "category", "download_count"]
    list_filter = ["status", "access", "format", "category", "campaign"]
    search_fields = ["title", "description", "sha256"]
    list_select_related = ["campaign", "category"]
    autocomplete_fields = ["campaign", "category"]
    date_hierarchy = "published_at"


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


@admin.register(ResourceBundle)
class ResourceBundleAdmin(ResourceBundleAdminMixin, admin.ModelAdmin):
    list_display = ["title", "campaign", "status", "file_size", "built_at", "download_count"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign", "resources"]


@admin.register(Kit)
class KitAdmin(KitAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "campaign", "quantity_total", "quantity_available"]
    list_filter = ["campaign"]
    search_fields = ["code", "name"]
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign"]


@admin.register(KitRequest)
class KitRequestAdmin(KitRequestAdminMixin, SimpleHistoryAdmin):
    list_display = ["id", "kit", "facility", "quantity", "status", "origin", "created_at"]
    list_filter = ["status", "origin", "kit"]
    search_fields = ["facility__name", "kit__code", "tracking_number"]
    list_select_related = ["kit", "facility"]
    autocomplete_fields = ["kit", "facility"]
    raw_id_fields = ["distribution", "created_by"]


@admin.register(Distribution)
class DistributionAdmin(DistributionAdminMixin, admin.ModelAdmin):
    list_display = ["id", "kit", "quantity_per_facility", "status", "progress_link", "allocated"]
    list_filter = ["status"]
    list_select_related = ["kit"]
    autocomplete_fields = ["kit", "campaign", "province"]


@admin.register(ExhibitionSet)
class ExhibitionSetAdmin(ExhibitionSetAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "operator", "status", "campaign"]
    list_filter = ["status", "campaign"]
    search_fields = ["code", "name", "operator__name"]
    list_select_related = ["operator", "campaign"]
    autocomplete_fields = ["operator", "campaign"]


@admin.register(Exhibit)
class ExhibitAdmin(ExhibitAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "model", "status", "exhibition_set"]
    list_filter = ["status"]
    search_fields = ["code", "name", "model", "exhibition_set__code"]
    list_select_related = ["exhibition_set"]
    autocomplete_fields = ["exhibition_set"]
