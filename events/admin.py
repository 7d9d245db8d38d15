from django.contrib import admin

from .models import Activity, ActivityPhoto


class ActivityPhotoInline(admin.TabularInline):
    model = ActivityPhoto
    extra = 0
    readonly_fields = ["width", "height", "thumbnail"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "facility",
        "campaign",
        "starts_at",
        "audience_count",
        "status",
    ]
    list_filter = ["status", "kind", "campaign"]
    search_fields = ["title", "venue", "facility__name"]
    list_select_related = ["facility", "campaign"]
    autocomplete_fields = ["campaign", "facility", "region"]
    date_hierarchy = "starts_at"
    inlines = [ActivityPhotoInline]
