from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaigns.assessment import MonthFrozen, ensure_month_open, frozen_report_for
from config.admin import ServiceSaveMixin, run_service_action, service_action
from config.errors import DomainError

from . import services
from .models import Activity, ActivityPhoto, CaravanTrip, StopAttendance, TourStop


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


def _ensure_activity_months_open(activity):
    """An activity of a frozen month is refused here as in the services (before and after)."""
    if activity.pk:
        before = Activity.objects.filter(pk=activity.pk).values("facility_id", "starts_at").first()
        if before:
            ensure_month_open(facility_id=before["facility_id"], day=before["starts_at"])
    ensure_month_open(facility_id=activity.facility_id, day=activity.starts_at)


class ActivityAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        changed = Activity(
            pk=self.instance.pk,
            facility_id=getattr(cleaned.get("facility"), "pk", self.instance.facility_id),
            starts_at=cleaned.get("starts_at") or self.instance.starts_at,
        )
        try:
            with transaction.atomic():
                _ensure_activity_months_open(changed)
        except MonthFrozen as error:
            raise ValidationError(error.message) from None
        return cleaned


@admin.register(Activity)
class ActivityAdmin(ServiceSaveMixin, admin.ModelAdmin):
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
    form = ActivityAdminForm

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

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "campaign", "facility"]  # fixed once reported

    def save_model(self, request, obj, form, change):
        """Through report_activity and update_activity, with their permission and rules; a
        refusal shows on the form (ServiceSaveMixin)."""
        data = form.cleaned_data
        if change:
            changed = {
                name: data[name] for name in services.EDITABLE_FIELDS if name in form.changed_data
            }
            saved = services.update_activity(activity=obj, by=request.user, **changed)
        else:
            fields = ("campaign", "facility", *services.EDITABLE_FIELDS)
            saved = services.report_activity(
                by=request.user, **{name: data[name] for name in fields if name in data}
            )
        # The admin goes on with its own instance: the inlines, the log and the redirect.
        for field in Activity._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The kits and resources used were set by the service, after its checks.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and frozen_report_for(facility_id=obj.facility_id, day=obj.starts_at):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        _ensure_activity_months_open(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for activity in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    self.delete_model(request, activity)
            except MonthFrozen as error:
                self.message_user(request, f"{activity.title}: {error.message}", messages.ERROR)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # Removed photos take their files with them once the change is committed.
        for photo in getattr(formset, "deleted_objects", []):
            files = [(f.storage, f.name) for f in (photo.image, photo.thumbnail) if f]
            transaction.on_commit(lambda files=files: [s.delete(n) for s, n in files])

    @admin.action(description=_("Verify the selected activities"))
    def verify_selected(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset.select_related(None),
            lambda activity, by: services.verify_activity(activity=activity, by=by),
            lambda n: (
                ngettext(
                    "%(count)d activity was verified.",
                    "%(count)d activities were verified.",
                    n,
                )
                % {"count": n}
            ),
            label=lambda activity: activity.title,
        )


# Field work: stops, attendance and trips. Status and audience change only through the
# services (the actions below); stops and trips are planned in the portal or the API.


class StopAttendanceInline(admin.TabularInline):
    model = StopAttendance
    extra = 0
    fields = ["date", "visitors", "school_groups", "note", "recorded_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TourStop)
class TourStopAdmin(admin.ModelAdmin):
    list_display = [
        "venue",
        "exhibition_set",
        "region",
        "starts_on",
        "ends_on",
        "status",
        "audience_total",
    ]
    list_filter = ["status", "campaign", ("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["venue", "exhibition_set__code", "exhibition_set__name", "region__name"]
    list_select_related = ["exhibition_set", "region"]
    autocomplete_fields = ["campaign", "host"]
    date_hierarchy = "starts_on"
    fields = [
        "exhibition_set",
        "campaign",
        "region",
        "venue",
        "venue_area_m2",
        "opening_days",
        "host",
        "starts_on",
        "ends_on",
        "status",
        "audience_total",
        "opened_at",
        "closed_at",
        "cancelled_at",
        "created_by",
    ]
    readonly_fields = [
        "exhibition_set",
        "region",
        "starts_on",
        "ends_on",
        "status",
        "audience_total",
        "opened_at",
        "closed_at",
        "cancelled_at",
        "created_by",
    ]
    inlines = [StopAttendanceInline]
    actions = ["open_selected", "close_selected", "cancel_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def has_add_permission(self, request):
        return False  # planned in the portal or the API, where overlaps are refused

    open_selected = service_action(
        services.open_stop,
        "stop",
        description=_("Open the selected stops"),
        done=_("%(count)d stops opened."),
    )

    close_selected = service_action(
        services.close_stop,
        "stop",
        description=_("Close the selected stops"),
        done=_("%(count)d stops closed."),
    )

    cancel_selected = service_action(
        services.cancel_stop,
        "stop",
        description=_("Cancel the selected stops"),
        done=_("%(count)d stops cancelled."),
    )


@admin.register(StopAttendance)
class StopAttendanceAdmin(admin.ModelAdmin):
    list_display = ["date", "stop", "visitors", "school_groups", "recorded_by"]
    list_select_related = ["stop", "recorded_by"]
    raw_id_fields = ["stop", "recorded_by"]
    date_hierarchy = "date"
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(stop__in=TourStop.objects.managed_by(request.user))
        )

    def has_add_permission(self, request):
        return False  # recorded on the stop's page or through the API

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and frozen_report_for(
            facility_id=obj.stop.exhibition_set.operator_id, day=obj.date
        ):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.remove_attendance(by=request.user, entry=obj)

    def delete_queryset(self, request, queryset):
        # One entry at a time, so the stop's audience shrinks by each entry's visitors.
        for entry in queryset.order_by("pk"):
            try:
                services.remove_attendance(by=request.user, entry=entry)
            except DomainError as error:
                self.message_user(request, f"{entry}: {error.message}", messages.ERROR)


@admin.register(CaravanTrip)
class CaravanTripAdmin(admin.ModelAdmin):
    list_display = [
        "destination",
        "facility",
        "region",
        "starts_on",
        "ends_on",
        "status",
        "distance_km",
        "audience_total",
    ]
    list_filter = ["status", "campaign", ("province", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["destination", "facility__name", "region__name"]
    list_select_related = ["facility", "region"]
    autocomplete_fields = ["campaign"]
    date_hierarchy = "starts_on"
    readonly_fields = [
        "facility",
        "region",
        "starts_on",
        "ends_on",
        "status",
        "distance_km",
        "audience_total",
        "activities_count",
        "approved_by",
        "approved_at",
        "reported_at",
        "cancelled_at",
        "created_by",
    ]
    actions = ["approve_selected", "cancel_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).reviewable_by(request.user)

    def has_add_permission(self, request):
        return False  # planned by the caravan's staff in the portal or the API

    approve_selected = service_action(
        services.approve_trip,
        "trip",
        description=_("Approve the selected trips"),
        done=_("%(count)d trips approved."),
    )

    cancel_selected = service_action(
        services.cancel_trip,
        "trip",
        description=_("Cancel the selected trips"),
        done=_("%(count)d trips cancelled."),
    )
