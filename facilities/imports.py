"""Spreadsheet import and export (django-import-export) of facilities and region tags.

Import creates facilities only (it never updates one), all rows or none: any bad row is reported
with its row number and the whole import is rolled back, in a dry run as in the real one.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from config.spreadsheets import (
    SafeExportResource,
    cell_text,
)

from .models import (
    LEVEL_BY_REGION_LEVEL,
    Facility,
    FacilityKind,
    FacilityStatus,
    Region,
    RegionTag,
    RegionTagAssignment,
)

IMPORT_COLUMNS = (
    "name",
    "kind",
    "region",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "status",
)


class RegionLookup:
    """All regions in memory, found by 6-digit code, by name or by a path of names.

    One query for the whole file instead of one per row. A name shared by several regions
    (朝阳区 is in Beijing and in Changchun) must be given as a path: "吉林省/长春市/朝阳区".
    """

    def __init__(self):
        self.by_code = {region.code: region for region in Region.objects.all()}
        self.by_name = {}
        for region in self.by_code.values():
            self.by_name.setdefault(region.name, []).append(region)

    def _ancestor_names(self, region):
        names = []
        while region.parent_id:
            region = self.by_code[region.parent_id]
            names.append(region.name)
        return names

    def find(self, value):
        value = cell_text(value)
        if not value:
            raise ValueError(_("The region is missing."))
        if value.isdigit():
            region = self.by_code.get(value)
            if region is None:
                raise ValueError(_("Unknown region code “%(code)s”.") % {"code": value})
            return region
        parts = [part.strip() for part in value.replace("／", "/").split("/") if part.strip()]
        candidates = self.by_name.get(parts[-1], [])
        if len(parts) > 1:
            wanted = parts[-2::-1]  # closest ancestor first
            candidates = [
                region
                for region in candidates
                if self._ancestor_names(region)[: len(wanted)] == wanted
            ]
        if not candidates:
            raise ValueError(_("Unknown region “%(name)s”.") % {"name": value})
        if len(candidates) > 1:
            raise ValueError(
                _(
                    "Several regions are called “%(name)s”; give the code or the path "
                    "(province/prefecture/county)."
                )
                % {"name": value}
            )
        region = candidates[0]
        if region.is_grouping and region.parent_id:
            region = self.by_code[region.parent_id]
        return region


class RegionWidget(widgets.Widget):
    def __init__(self, lookup_getter, **kwargs):
        self.lookup_getter = lookup_getter
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        return self.lookup_getter().find(value)

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class ChoiceWidget(widgets.Widget):
    """A choice given by its code (`mobile_museum`) or by its label in either language."""

    def __init__(self, choices_class, default, **kwargs):
        self.choices_class = choices_class
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        value = cell_text(value)
        if not value:
            return self.default
        for choice in self.choices_class:
            if value.lower() == choice.value or value == str(choice.label):
                return choice.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for choice in self.choices_class:
                    if value == str(choice.label):
                        return choice.value
        raise ValueError(
            _("“%(value)s” is not one of: %(codes)s.")
            % {"value": value, "codes": ", ".join(self.choices_class.values)}
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""


class FacilityImportResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="name", widget=widgets.CharWidget())
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(FacilityKind, FacilityKind.OTHER),
    )
    region = fields.Field(attribute="region", column_name="region")
    address = fields.Field(attribute="address", column_name="address")
    contact_name = fields.Field(attribute="contact_name", column_name="contact_name")
    contact_phone = fields.Field(attribute="contact_phone", column_name="contact_phone")
    contact_email = fields.Field(attribute="contact_email", column_name="contact_email")
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(FacilityStatus, FacilityStatus.APPROVED),
    )

    class Meta:
        model = Facility
        fields = IMPORT_COLUMNS
        import_order = IMPORT_COLUMNS
        force_init_instance = True  # import creates; it never overwrites a facility
        # Rows are checked one by one in memory and written in batches: a few statements for
        # a thousand rows instead of three per row. Province and level are set before saving.
        use_bulk = True
        batch_size = 500
        skip_diff = False
        clean_model_instances = True
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._regions = None
        self.fields["region"].widget = RegionWidget(self._region_lookup)

    def _region_lookup(self):
        if self._regions is None:
            self._regions = RegionLookup()
        return self._regions

    def before_import(self, dataset, **kwargs):
        self._user = kwargs.get("user")
        self._seen = set()
        self._existing = set(Facility.objects.values_list("name", "region_id"))

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not cell_text(row.get("status")):
            instance.status = FacilityStatus.APPROVED  # an imported roster is a known one
        instance.name = cell_text(instance.name)
        for attribute in ("address", "contact_name", "contact_phone", "contact_email"):
            setattr(instance, attribute, cell_text(getattr(instance, attribute, "")))
        if not instance.name:
            errors.setdefault("name", []).append(ValidationError(_("The name is missing.")))
        region = instance.region if instance.region_id else None
        if region is None and "region" not in errors:
            errors["region"] = [ValidationError(_("The region is missing."))]
        if region is not None:
            instance.province_id = region.province_code
            instance.level = LEVEL_BY_REGION_LEVEL[region.level]
            key = (instance.name, region.code)
            if instance.name and key in self._existing:
                errors.setdefault("name", []).append(
                    ValidationError(
                        _("“%(name)s” is already registered in %(region)s.")
                        % {"name": instance.name, "region": region.name}
                    )
                )
            elif instance.name and key in self._seen:
                errors.setdefault("name", []).append(
                    ValidationError(
                        _("“%(name)s” in %(region)s appears twice in this file.")
                        % {"name": instance.name, "region": region.name}
                    )
                )
            self._seen.add(key)
        if instance.status != FacilityStatus.PENDING:
            instance.decided_at = timezone.now()
            user = getattr(self, "_user", None)
            instance.decided_by = user if getattr(user, "is_authenticated", False) else None
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Uniqueness was checked above against the database and the file, without a query per
        # row; full_clean still checks lengths, e-mail addresses and choices. Province and
        # level derive from the region, so a bad region is reported once, not three times.
        # The foreign keys come from the in-memory region lookup and the importing user: no
        # need for an existence query per row.
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | {"province", "level", "region", "decided_by", "parent"}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class TagWidget(widgets.Widget):
    """A priority tag given by its code (`border`), looked up in memory."""

    def __init__(self, tags_getter, **kwargs):
        self.tags_getter = tags_getter
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value).lower()
        if not code:
            raise ValueError(_("The tag is missing."))
        tag = self.tags_getter().get(code)
        if tag is None:
            raise ValueError(
                _("Unknown tag “%(code)s”; create it first under priority tags.") % {"code": code}
            )
        return tag

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class RegionTagImportResource(SafeExportResource):
    """Rows of (region, tag): the region by code (or name path), the tag by code.

    A row that is already in the database is skipped; all rows or none are written, and the
    dry run lists every bad row with its reason.
    """

    region = fields.Field(attribute="region", column_name="region")
    tag = fields.Field(attribute="tag", column_name="tag")

    class Meta:
        model = RegionTagAssignment
        fields = ("region", "tag")
        import_order = ("region", "tag")
        import_id_fields = ("region", "tag")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._regions = None
        self._tags = None
        self.fields["region"].widget = RegionWidget(self._region_lookup)
        self.fields["tag"].widget = TagWidget(self._tag_lookup)

    def _region_lookup(self):
        if self._regions is None:
            self._regions = RegionLookup()
        return self._regions

    def _tag_lookup(self):
        if self._tags is None:
            self._tags = {tag.code: tag for tag in RegionTag.objects.all()}
        return self._tags

    def before_import(self, dataset, **kwargs):
        # Existing pairs in memory: no query per row to find them.
        self._existing = {
            (assignment.region_id, assignment.tag_id): assignment
            for assignment in RegionTagAssignment.objects.all()
        }

    def get_instance(self, instance_loader, row):
        try:
            region = self.fields["region"].clean(row)
            tag = self.fields["tag"].clean(row)
        except ValueError:
            return None  # reported by import_instance, which cleans the row again
        return self._existing.get((region.code, tag.pk))

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Region and tag come from the in-memory lookups; a pair twice in the file is the
        # same row, not an error.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        key = (instance.region_id, instance.tag_id)
        if key in self._existing:
            return  # the same pair appeared earlier in this file
        super().save_instance(instance, is_create, row, **kwargs)
        self._existing[key] = instance


class FacilityExportResource(SafeExportResource):
    kind_label = fields.Field(column_name="kind_label")
    status_label = fields.Field(column_name="status_label")
    region = fields.Field(column_name="region")
    region_name = fields.Field(column_name="region_name")
    province = fields.Field(column_name="province")
    province_name = fields.Field(column_name="province_name")

    class Meta:
        model = Facility
        fields = (
            "id",
            "name",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "level",
            "region",
            "region_name",
            "province",
            "province_name",
            "parent",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "created_at",
            "decided_at",
        )
        export_order = fields

    # Headers of the columns that are no model field of their own (the others use verbose_name).
    HEADERS = {
        "id": gettext_lazy("ID"),
        "kind": gettext_lazy("Kind (code)"),
        "kind_label": gettext_lazy("Kind"),
        "status": gettext_lazy("Status (code)"),
        "status_label": gettext_lazy("Status"),
        "region": gettext_lazy("Region code"),
        "region_name": gettext_lazy("Region"),
        "province": gettext_lazy("Province code"),
        "province_name": gettext_lazy("Province"),
        "parent": gettext_lazy("Parent unit (id)"),
    }

    def get_export_headers(self, selected_fields=None):
        """Column headers people read, in the language of the request."""
        return [
            str(self.HEADERS.get(field.column_name) or self._verbose_header(field.column_name))
            for field in self.get_export_fields(selected_fields)
            if field
        ]

    @staticmethod
    def _verbose_header(name):
        return capfirst(Facility._meta.get_field(name).verbose_name)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("region", "province")

    def dehydrate_kind_label(self, facility):
        return str(facility.get_kind_display())

    def dehydrate_status_label(self, facility):
        return str(facility.get_status_display())

    def dehydrate_region(self, facility):
        return facility.region_id

    def dehydrate_region_name(self, facility):
        return facility.region.name

    def dehydrate_province(self, facility):
        return facility.province_id

    def dehydrate_province_name(self, facility):
        return facility.province.name
