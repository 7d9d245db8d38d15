"""Admin behaviour of distributions and offline bundles, mixed into DistributionAdmin and
ResourceBundleAdmin.

Distributions are started and followed on their own pages (the service checks targets and
stock, a task allocates), so the admin lists them read-only, links each to its progress page
and sends "add" to the start form. Bundles are edited here; their ZIP is built by a task, and
the action "rebuild" asks for a new build.
"""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .services import bundles as bundle_services

# Bundle fields written into its manifest.json: changing them asks for a rebuild.
BUNDLE_MANIFEST_FIELDS = {"title", "description", "campaign"}


class DistributionAdminMixin:
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


class ResourceBundleAdminMixin:
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
        super().save_related(request, form, formsets, change)  # member changes ask for a build
        if change and "resources" not in form.changed_data:
            if BUNDLE_MANIFEST_FIELDS & set(form.changed_data):
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
