from django.contrib import admin

from .models import Campaign, Participation


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "starts_on", "ends_on", "host"]
    list_filter = ["status"]
    search_fields = ["title", "theme", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["facility", "campaign", "status", "applied_at", "flag_awarded_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["facility__name"]
    list_select_related = ["facility", "campaign"]
    autocomplete_fields = ["facility", "campaign", "flag_ceremony"]
    readonly_fields = ["applied_at", "approved_at", "approved_by", "flag_awarded_by"]
