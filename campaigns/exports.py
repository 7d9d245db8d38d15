"""The dashboard's coverage exports: the CSV tables and the XLSX workbook of every figure.

Built from campaigns.stats like the dashboard itself, so exports and pages always agree; the
cells are written through config.spreadsheets, so none of them can become a formula.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from config.spreadsheets import SafeExportResource, csv_text, xlsx_bytes
from events.models import ActivityKind
from facilities.models import FacilityKind, FacilityLevel
from resources.models import KitRequestStatus

from .models import Participation, ParticipationStatus
from .stats import facility_figures, get_campaign_stats

PROVINCE_COLUMNS = [
    ("province", gettext_lazy("Province code")),
    ("name", gettext_lazy("Province")),
    ("facilities_participating", gettext_lazy("Participating units")),
    ("flags_awarded", gettext_lazy("Flags awarded")),
    ("kit_requests", gettext_lazy("Kit requests")),
    ("kits_units_shipped", gettext_lazy("Kit units shipped")),
    ("grassroots_facilities_reached", gettext_lazy("Grassroots facilities reached")),
    ("downloads", gettext_lazy("Downloads")),
    ("activities_reported", gettext_lazy("Activities reported")),
    ("audience_total", gettext_lazy("Audience (verified activities)")),
]

FACILITY_COLUMNS = [
    ("id", gettext_lazy("Facility id")),
    ("name", gettext_lazy("Facility")),
    ("kind", gettext_lazy("Kind")),
    ("level", gettext_lazy("Level")),
    ("province_id", gettext_lazy("Province code")),
    ("province__name", gettext_lazy("Province")),
    ("region_id", gettext_lazy("Region code")),
    ("region__name", gettext_lazy("Region")),
    ("participation_status", gettext_lazy("Participation")),
    ("flag_awarded_at", gettext_lazy("Flag awarded")),
    ("requests_made", gettext_lazy("Kit requests")),
    ("units_shipped", gettext_lazy("Kit units shipped")),
    ("units_received", gettext_lazy("Kit units received")),
    ("grassroots_reached", gettext_lazy("Grassroots facility reached")),
    ("activities_reported", gettext_lazy("Activities reported")),
    ("audience_total", gettext_lazy("Audience (verified activities)")),
]

SUMMARY_FIGURES = [
    ("grassroots_facilities_reached", gettext_lazy("Grassroots facilities reached")),
    ("facilities_participating", gettext_lazy("Participating units")),
    ("flags_awarded", gettext_lazy("Flags awarded")),
    ("kits_units_shipped", gettext_lazy("Kit units shipped")),
    ("units_received", gettext_lazy("Kit units received")),
    ("shipments_overdue", gettext_lazy("Shipments overdue for receipt")),
    ("discrepancies_open", gettext_lazy("Open receipt discrepancies")),
    ("digital_resources_published", gettext_lazy("Digital resources published")),
    ("downloads_total", gettext_lazy("Resource downloads")),
    ("activities_reported", gettext_lazy("Activities reported")),
    ("activities_verified", gettext_lazy("Activities verified")),
    ("audience_total", gettext_lazy("Total audience (verified activities)")),
    ("stops_open", gettext_lazy("Tour stops open now")),
    ("stops_held", gettext_lazy("Tour stops held")),
    ("stop_audience", gettext_lazy("Audience at stops")),
    ("trips_reported", gettext_lazy("Caravan trips")),
    ("trip_distance_km", gettext_lazy("Caravan kilometres")),
    ("repair_tickets_open", gettext_lazy("Repair tickets open")),
]


def province_table(stats):
    """The by-province rows followed by a total row: the CSV/XLSX province sheet."""
    rows = [[row[key] for key, _label in PROVINCE_COLUMNS] for row in stats["by_province"]]
    total = {
        "province": "",
        "name": _("Total"),
        "facilities_participating": stats["facilities_participating"],
        "flags_awarded": stats["flags_awarded"],
        "kit_requests": sum(stats["kit_requests"].values()),
        "kits_units_shipped": stats["kits_units_shipped"],
        "grassroots_facilities_reached": stats["grassroots_facilities_reached"],
        "downloads": stats["downloads_total"],
        "activities_reported": stats["activities_reported"],
        "audience_total": stats["audience_total"],
    }
    rows.append([total[key] for key, _label in PROVINCE_COLUMNS])
    return [[str(label) for _key, label in PROVINCE_COLUMNS], *rows]


def facility_table(campaign, filters):
    kinds = dict(FacilityKind.choices)
    levels = dict(FacilityLevel.choices)
    statuses = dict(ParticipationStatus.choices)
    rows = []
    for row in facility_figures(campaign=campaign, filters=filters):
        row = dict(row)
        row["kind"] = str(kinds.get(row["kind"], row["kind"]))
        row["level"] = str(levels.get(row["level"], row["level"]))
        status = row["participation_status"]
        row["participation_status"] = str(statuses.get(status, status or ""))
        flag = row["flag_awarded_at"]
        row["flag_awarded_at"] = timezone.localtime(flag).strftime("%Y-%m-%d %H:%M") if flag else ""
        row["grassroots_reached"] = _("yes") if row["grassroots_reached"] else _("no")
        rows.append([row[key] for key, _label in FACILITY_COLUMNS])
    return [[str(label) for _key, label in FACILITY_COLUMNS], *rows]


def coverage_filename(campaign, filters, suffix):
    parts = [campaign.slug, "coverage"]
    if filters.provinces and len(filters.provinces) == 1:
        parts.append(filters.provinces[0])
    if filters.date_from:
        parts.append(f"from-{filters.date_from.isoformat()}")
    if filters.date_to:
        parts.append(f"to-{filters.date_to.isoformat()}")
    return "-".join(parts) + suffix


def _province_csv_table(campaign, filters):
    return province_table(get_campaign_stats(campaign=campaign, filters=filters))


CSV_TABLES = {"province": _province_csv_table, "facility": facility_table}


def coverage_csv(campaign, filters, *, by="province"):
    """The province table (with its total row) or the facility table, as CSV text."""
    return csv_text(CSV_TABLES[by](campaign, filters))


def coverage_xlsx(campaign, filters):
    """Every figure in one workbook: summary, provinces, facilities, days, resources, kinds."""
    stats = get_campaign_stats(campaign=campaign, filters=filters)
    status_labels = dict(KitRequestStatus.choices)
    kind_labels = dict(ActivityKind.choices)
    sheets = [
        (
            _("Summary"),
            [
                [_("Figure"), _("Value")],
                [_("Joint action"), campaign.title],
                *[[str(label), stats[key]] for key, label in SUMMARY_FIGURES],
                *[
                    [_("Kit requests: %(status)s") % {"status": status_labels[status]}, count]
                    for status, count in stats["kit_requests"].items()
                ],
                [_("Figures computed at"), _local(stats["generated_at"])],
            ],
        ),
        (_("By province"), province_table(stats)),
        (_("By facility"), facility_table(campaign, filters)),
        (
            _("Downloads by day"),
            [[_("Date"), _("Downloads")]]
            + [[item["date"], item["count"]] for item in stats["downloads_by_day"]],
        ),
        (
            _("Top resources"),
            [[_("Resource id"), _("Resource"), _("Downloads")]]
            + [[item["id"], item["title"], item["count"]] for item in stats["top_resources"]],
        ),
        (
            _("Activities by kind"),
            [[_("Kind"), _("Activities")]]
            + [
                [str(kind_labels[kind]), count]
                for kind, count in stats["activities_by_kind"].items()
            ],
        ),
    ]
    return xlsx_bytes(sheets)


def _local(iso_timestamp):
    return date_format(timezone.localtime(datetime.fromisoformat(iso_timestamp)), "Y-m-d H:i")


class ParticipationExportResource(SafeExportResource):
    campaign = fields.Field(column_name="campaign")
    campaign_title = fields.Field(column_name="campaign_title")
    facility = fields.Field(column_name="facility")
    facility_name = fields.Field(column_name="facility_name")
    facility_kind = fields.Field(column_name="facility_kind")
    province = fields.Field(column_name="province")
    province_name = fields.Field(column_name="province_name")
    flag_ceremony = fields.Field(column_name="flag_ceremony")

    class Meta:
        model = Participation
        fields = (
            "id",
            "campaign",
            "campaign_title",
            "facility",
            "facility_name",
            "facility_kind",
            "province",
            "province_name",
            "status",
            "applied_at",
            "approved_at",
            "flag_awarded_at",
            "flag_ceremony",
        )
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("campaign", "facility__province", "flag_ceremony").order_by(
            "campaign_id", "facility__province_id", "facility__name", "id"
        )

    def dehydrate_campaign(self, participation):
        return participation.campaign.slug

    def dehydrate_campaign_title(self, participation):
        return participation.campaign.title

    def dehydrate_facility(self, participation):
        return participation.facility_id

    def dehydrate_facility_name(self, participation):
        return participation.facility.name

    def dehydrate_facility_kind(self, participation):
        return participation.facility.kind

    def dehydrate_province(self, participation):
        return participation.facility.province_id

    def dehydrate_province_name(self, participation):
        return participation.facility.province.name

    def dehydrate_flag_ceremony(self, participation):
        ceremony = participation.flag_ceremony
        return ceremony.title if ceremony else ""
