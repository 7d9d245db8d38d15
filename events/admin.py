from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.errors import DomainError

from . import services
from .models import Activity, ActivityPhoto


def _preview(photo, height):
    if photo is None or not photo.image:
        return "–"
    source = photo.thumbnail or photo.image
    return format_html(
        '<img src="{}" alt="{}" style="max-height:{}px;max-width:{}px;border-radius:4px">',
        source.url,
        photo.caption,
        height,
        height * 2,
    )


class ActivityPhotoInline(admin.TabularInline):
    """Photos with previews. New photos come through the portal or the API, where they are
    checked and cleaned; here they can be captioned, credited or removed."""

    model = ActivityPhoto
    extra = 0
    fields = ["preview", "caption", "credit", "width", "height", "uploaded_by", "created_at"]
    readonly_fields = ["preview", "width", "height", "uploaded_by", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("preview"))
    def preview(self, photo):
        return _preview(photo, 120)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = [
        "cover",
        "title",
        "kind",
        "facility",
        "campaign",
        "starts_at",
        "audience_count",
        "photo_count",
        "status",
    ]
    list_display_links = ["cover", "title"]
    list_filter = ["status", "kind", "campaign"]
    search_fields = ["title", "venue", "facility__name"]
    list_select_related = ["facility", "campaign"]
    autocomplete_fields = ["campaign", "facility", "region"]
    date_hierarchy = "starts_at"
    readonly_fields = [
        "status",
        "reject_reason",
        "created_by",
        "created_at",
        "updated_at",
        "reviewed_by",
        "reviewed_at",
    ]
    inlines = [ActivityPhotoInline]
    actions = ["verify_selected"]

    def get_queryset(self, request):
        # Coordinators with admin access see their province's reports only.
        return super().get_queryset(request).reviewable_by(request.user).prefetch_related("photos")

    @admin.display(description=_("photo"))
    def cover(self, activity):
        photos = activity.photos.all()
        return _preview(photos[0] if photos else None, 48)

    @admin.display(description=_("photos"))
    def photo_count(self, activity):
        return len(activity.photos.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # Removed photos take their files with them once the change is committed.
        for photo in getattr(formset, "deleted_objects", []):
            files = [(f.storage, f.name) for f in (photo.image, photo.thumbnail) if f]
            transaction.on_commit(lambda files=files: [s.delete(n) for s, n in files])

    @admin.action(description=_("Verify the selected activities"))
    def verify_selected(self, request, queryset):
        verified, refused = 0, []
        for activity in queryset.select_related(None).order_by("pk"):
            try:
                services.verify_activity(activity=activity, by=request.user)
                verified += 1
            except DomainError as error:
                refused.append(f"{activity.title}: {error.message}")
        if verified:
            self.message_user(
                request,
                ngettext(
                    "%(count)d activity was verified.",
                    "%(count)d activities were verified.",
                    verified,
                )
                % {"count": verified},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)
