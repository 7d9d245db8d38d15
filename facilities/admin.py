from django.contrib import admin

from .models import Facility, Membership, ProvincialCoordinator, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "status", "region", "province", "created_at"]
    list_filter = ["status", "kind", "level"]
    search_fields = ["name", "contact_name", "region__name"]
    list_select_related = ["region", "province"]
    autocomplete_fields = ["region", "parent"]
    readonly_fields = ["created_at", "updated_at", "decided_at", "decided_by"]
    inlines = [MembershipInline]


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
