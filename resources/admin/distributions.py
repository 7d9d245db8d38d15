"""Admin behaviour of distributions and offline bundles, mixed into DistributionAdmin and
ResourceBundleAdmin.

Distributions are started and followed on their own pages (the service checks targets and
stock, a task allocates), so the admin lists them read-only, links each to its progress page
and sends "add" to the start form. Bundles are edited here; their ZIP is built by a task, and
the action "rebuild" asks for a new build.
"""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Distribution


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    list_display = ["id", "kit", "quantity_per_facility", "status", "progress_link", "allocated"]
    list_filter = ["status"]
    list_select_related = ["kit"]
    autocomplete_fields = ["kit", "campaign", "province"]

    exclude = ["targets"]
    search_fields = ["=id", "kit__code", "kit__name"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("targets")

    @admin.display(description=_("progress"))
    def progress_link(self, distribution):
        return format_html(
            '<a href="{}">{} / {}</a>',
            reverse("distributions:detail", args=[distribution.pk]),
            distribution.processed,
            distribution.total,
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("distributions:start")
