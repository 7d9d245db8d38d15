from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .roles import get_scope


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class RegionQuerySet(models.QuerySet):
    def provinces(self):
        return self.filter(level=RegionLevel.PROVINCE)

    def reviewed_by(self, user):
        """Regions whose figures the user reviews: every one for national administrators, a
        coordinator's provinces with the regions inside them, none for anyone else."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if not scope.province_codes:
            return self.none()
        # A region lies in a province when its code starts with the province's two digits.
        condition = Q()
        for code in sorted(scope.province_codes):
            condition |= Q(code__startswith=code[:2])
        return self.filter(condition)


class Region(models.Model):
    """An administrative division of mainland China, keyed by its GB/T 2260 code."""

    code = models.CharField(
        _("code"),
        max_length=6,
        primary_key=True,
        validators=[RegexValidator(r"^\d{6}$", _("A region code has six digits."))],
    )
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # GB/T 2260 grouping rows (110100 北京市·市辖区, 429000 省直辖县级行政区划) keep the tree
    # province → prefecture → county; they are no administrative division of their own.
    is_grouping = models.BooleanField(
        _("grouping layer"),
        default=False,
        help_text=_("A GB/T 2260 grouping row, not a prefecture-level division of its own."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"]), models.Index(fields=["name"])]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def province_code(self):
        return self.code[:2] + "0000"

    def descendant_prefix(self):
        """Codes of every region below this one start with this prefix."""
        if self.level == RegionLevel.PROVINCE:
            return self.code[:2]
        if self.level == RegionLevel.PREFECTURE:
            return self.code[:4]
        return self.code


class FacilityKind(models.TextChoices):
    MOBILE_MUSEUM = "mobile_museum", _("Mobile science museum")
    CARAVAN = "caravan", _("Popular-science caravan")
    SCIENCE_CENTER = "science_center", _("Science and technology museum")
    POPULARIZATION_CENTER = "popularization_center", _("Science popularization centre")
    OTHER = "other", _("Other")


class FacilityLevel(models.TextChoices):
    PROVINCIAL = "provincial", _("Provincial")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


LEVEL_BY_REGION_LEVEL = {
    RegionLevel.PROVINCE: FacilityLevel.PROVINCIAL,
    RegionLevel.PREFECTURE: FacilityLevel.PREFECTURE,
    RegionLevel.COUNTY: FacilityLevel.COUNTY,
}


class FacilityStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    REJECTED = "rejected", _("Rejected")


class FacilityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Approved facilities for everyone, plus the ones the user works for or coordinates."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        condition = Q(status=FacilityStatus.APPROVED)
        if scope.facility_ids:
            condition |= Q(pk__in=scope.facility_ids)
        if scope.province_codes:
            condition |= Q(province_id__in=scope.province_codes)
        return self.filter(condition)

    def managed_by(self, user):
        """Facilities whose status and data the user may decide on (approve, suspend)."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        if scope.province_codes:
            return self.filter(province_id__in=scope.province_codes)
        return self.none()

    def in_region(self, region_code):
        region = Region.objects.filter(pk=region_code).first()
        if region is None:
            return self.none()
        return self.filter(region__code__startswith=region.descendant_prefix())


class Facility(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=FacilityKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=FacilityLevel.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=FacilityStatus.choices,
        default=FacilityStatus.PENDING,
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="facilities"
    )
    # Denormalised from region so that scoping and statistics filter on one indexed column.
    province = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["province", "status"]),
            models.Index(fields=["level"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="facility_unique_name_region")
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.region_id:
            self.province_id = self.region_id[:2] + "0000"
            if not self.level:
                self.level = LEVEL_BY_REGION_LEVEL[self.region.level]
        super().save(*args, **kwargs)


class MembershipRole(models.TextChoices):
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "facility"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} @ {self.facility} ({self.get_role_display()})"


class ProvincialCoordinator(models.Model):
    """A user who reviews the facilities, requests and reports of one province."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="coordinator_roles",
    )
    province = models.ForeignKey(
        Region,
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="coordinators",
        limit_choices_to={"level": RegionLevel.PROVINCE},
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("provincial coordinator")
        verbose_name_plural = _("provincial coordinators")
        constraints = [
            models.UniqueConstraint(fields=["user", "province"], name="coordinator_unique")
        ]

    def __str__(self):
        return f"{self.user} – {self.province.name}"


class RegionTag(models.Model):
    """A priority label on regions (border, ethnic minority …); coverage targets these first."""

    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(r"^[a-z0-9_]+$", _("Use lowercase letters, digits and underscores."))
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("regions"),
        related_name="tags",
        blank=True,
        through="RegionTagAssignment",
    )

    class Meta:
        verbose_name = _("priority tag")
        verbose_name_plural = _("priority tags")
        ordering = ["code"]

    def __str__(self):
        return self.label

    @property
    def label(self):
        """The name in the active language (Chinese unless English is active and known)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class RegionTagAssignment(models.Model):
    """One region carrying one tag; the rows the spreadsheet import of tags creates."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        RegionTag, verbose_name=_("tag"), on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        verbose_name = _("tagged region")
        verbose_name_plural = _("tagged regions")
        ordering = ["tag", "region"]
        constraints = [models.UniqueConstraint(fields=["region", "tag"], name="region_tag_unique")]

    def __str__(self):
        return f"{self.region_id} – {self.tag_id}"
