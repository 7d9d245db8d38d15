"""Shapes of activities in the API. Business rules live in services.py, not here."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign
from facilities.models import Facility, Region
from resources.models import DigitalResource, ExhibitionSet, Kit

from .models import Activity, ActivityPhoto, CaravanTrip, StopAttendance, TourStop


def absolute_url(request, url):
    """Storage URLs are absolute on S3 and paths on local media; answer absolute ones."""
    if url and request is not None and url.startswith("/"):
        return request.build_absolute_uri(url)
    return url


class ActivityPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ActivityPhoto
        fields = [
            "id",
            "image_url",
            "thumbnail_url",
            "width",
            "height",
            "caption",
            "credit",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_image_url(self, photo):
        return absolute_url(self.context.get("request"), photo.image.url)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail_url(self, photo):
        """Null until the thumbnail task has run."""
        if not photo.thumbnail:
            return None
        return absolute_url(self.context.get("request"), photo.thumbnail.url)


class FlagRecipientSerializer(serializers.Serializer):
    participation = serializers.IntegerField(source="id")
    facility = serializers.IntegerField(source="facility_id")
    name = serializers.CharField(source="facility.name")
    flag_awarded_at = serializers.DateTimeField()


class ActivitySerializer(serializers.ModelSerializer):
    """An activity as readers see it, with its photos (prefetched by the viewset)."""

    url = serializers.SerializerMethodField()
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    province = serializers.SerializerMethodField()
    photos = ActivityPhotoSerializer(many=True, read_only=True)
    flag_recipients = serializers.SerializerMethodField()
    kits_used = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    resources_used = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "url",
            "campaign",
            "facility",
            "facility_name",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "venue",
            "region",
            "region_name",
            "province",
            "audience_count",
            "description",
            "status",
            "reject_reason",
            "created_at",
            "updated_at",
            "reviewed_at",
            "photos",
            "flag_recipients",
            "kits_used",
            "resources_used",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, activity):
        """The public page of the activity."""
        return absolute_url(
            self.context.get("request"), reverse("events:detail", args=[activity.pk])
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_province(self, activity):
        return activity.region_id[:2] + "0000"

    @extend_schema_field(FlagRecipientSerializer(many=True))
    def get_flag_recipients(self, activity):
        """Units awarded the joint-action flag at this launch ceremony (empty otherwise)."""
        if not activity.is_launch_ceremony:
            return []
        return FlagRecipientSerializer(activity.flags_awarded.all(), many=True).data


class ActivityUpdateSerializer(serializers.ModelSerializer):
    """What staff may change on their report (PATCH)."""

    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Region code where it took place; defaults to the facility's region."),
    )
    kits_used = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Kit.objects.all(),
        required=False,
        help_text=_("Ids of kits the facility received and used."),
    )
    resources_used = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=DigitalResource.objects.all(),
        required=False,
        help_text=_("Ids of digital resources used."),
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "venue",
            "region",
            "audience_count",
            "description",
            "kits_used",
            "resources_used",
        ]


class ActivityCreateSerializer(ActivityUpdateSerializer):
    """A new report (POST): for which campaign and facility, and what happened."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.public())
    facility = serializers.PrimaryKeyRelatedField(queryset=Facility.objects.all())

    class Meta(ActivityUpdateSerializer.Meta):
        fields = ["campaign", "facility", *ActivityUpdateSerializer.Meta.fields]


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        allow_empty_file=True,  # refused by the image check, with its own message
        help_text=_("A JPEG, PNG or WebP photo."),
    )
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True)
    credit = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ActivityRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Why the report is rejected."))


# ---------------------------------------------------------------------------
# Field work: tour stops, attendance, caravan trips
# ---------------------------------------------------------------------------


class RegionCodeField(serializers.PrimaryKeyRelatedField):
    """A region given as its six-digit code, with a message that says so when unknown."""

    default_error_messages = {
        "does_not_exist": _("There is no region with the code “{pk_value}”."),
        "incorrect_type": _("Give the region as its six-digit code."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.pk


class TourStopSerializer(serializers.ModelSerializer):
    exhibition_set_name = serializers.CharField(source="exhibition_set.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    province = serializers.CharField(source="province_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = TourStop
        fields = [
            "id",
            "url",
            "exhibition_set",
            "exhibition_set_name",
            "campaign",
            "region",
            "region_name",
            "province",
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
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, stop):
        """The public page of the stop."""
        return absolute_url(self.context.get("request"), reverse("events:stop", args=[stop.pk]))


class TourStopCreateSerializer(serializers.Serializer):
    exhibition_set = serializers.PrimaryKeyRelatedField(queryset=ExhibitionSet.objects.all())
    region = RegionCodeField(help_text=_("Six-digit code of the county."))
    venue = serializers.CharField(max_length=200)
    venue_area_m2 = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    opening_days = serializers.CharField(max_length=100, required=False, allow_blank=True)
    host = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.all(), required=False, allow_null=True
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the set's campaign."),
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request is not None else None
        # A set the user cannot see is "not found", as everywhere else.
        self.fields["exhibition_set"].queryset = ExhibitionSet.objects.visible_to(user)


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = StopAttendance
        fields = ["id", "date", "visitors", "school_groups", "note", "recorded_by", "created_at"]
        read_only_fields = fields


class AttendanceCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    visitors = serializers.IntegerField(help_text=_("Visitors that day (0 to 1,000,000)."))
    school_groups = serializers.IntegerField(required=False, default=0)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CaravanTripSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    province = serializers.CharField(source="province_id", read_only=True)

    class Meta:
        model = CaravanTrip
        fields = [
            "id",
            "facility",
            "facility_name",
            "campaign",
            "region",
            "region_name",
            "province",
            "destination",
            "starts_on",
            "ends_on",
            "purpose",
            "status",
            "distance_km",
            "audience_total",
            "activities_count",
            "summary",
            "approved_at",
            "reported_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class CaravanTripCreateSerializer(serializers.Serializer):
    facility = serializers.PrimaryKeyRelatedField(queryset=Facility.objects.all())
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    region = RegionCodeField(help_text=_("Six-digit code of the county."))
    destination = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class TripReportSerializer(serializers.Serializer):
    distance_km = serializers.IntegerField(help_text=_("Kilometres driven (0 to 5,000)."))
    audience_total = serializers.IntegerField()
    activities_count = serializers.IntegerField()
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class FieldSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    stops = serializers.IntegerField()
    stop_days = serializers.IntegerField()
    trips = serializers.IntegerField()
    days_out = serializers.IntegerField()
    distance_km = serializers.IntegerField()
    audience = serializers.IntegerField()
    meets_norm = serializers.BooleanField()
