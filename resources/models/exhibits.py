"""Exhibition sets and the exhibits in them."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from facilities.roles import get_scope


class ExhibitionSetStatus(models.TextChoices):
    IN_STORAGE = "in_storage", _("In storage")
    TOURING = "touring", _("Touring")
    MAINTENANCE = "maintenance", _("Maintenance")
    RETIRED = "retired", _("Retired")


class ExhibitStatus(models.TextChoices):
    OK = "ok", _("In order")
    FAULTY = "faulty", _("Faulty")
    UNDER_REPAIR = "under_repair", _("Under repair")
    MISSING = "missing", _("Missing")
    RETIRED = "retired", _("Retired")


def set_managers_condition(scope, path=""):
    """Rows whose exhibition set (reached through `path`) the scope's user manages: staff of
    its operator and coordinators of the operator's province (administrators manage all)."""
    condition = Q(pk__in=[])
    if scope.facility_ids:
        condition |= Q(**{f"{path}operator_id__in": scope.facility_ids})
    if scope.province_codes:
        condition |= Q(**{f"{path}operator__province_id__in": scope.province_codes})
    return condition


class ExhibitionSetQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Sets of approved operators for everyone; managers also see the sets they manage."""
        from facilities.models import FacilityStatus

        scope = get_scope(user)
        if scope.is_admin:
            return self
        return self.filter(
            Q(operator__status=FacilityStatus.APPROVED) | set_managers_condition(scope)
        )

    def managed_by(self, user):
        """The set's managers: staff of its operator, coordinators of the operator's province,
        administrators."""
        scope = get_scope(user)
        if scope.is_admin:
            return self
        return self.filter(set_managers_condition(scope))


class ExhibitionSet(models.Model):
    """A mobile science museum: about fifty exhibits that tour county venues together."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    operator = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("operator"),
        on_delete=models.PROTECT,
        related_name="exhibition_sets",
        help_text=_("The facility that runs the set."),
    )
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exhibition_sets",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ExhibitionSetStatus.choices,
        default=ExhibitionSetStatus.IN_STORAGE,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ExhibitionSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("exhibition set")
        verbose_name_plural = _("exhibition sets")
        ordering = ["code", "id"]
        indexes = [models.Index(fields=["operator", "status"])]

    def __str__(self):
        return f"{self.code} {self.name}"


class Exhibit(models.Model):
    """One exhibit of a set; `model` names its design, shared by copies in other sets."""

    exhibition_set = models.ForeignKey(
        ExhibitionSet,
        verbose_name=_("exhibition set"),
        on_delete=models.CASCADE,
        related_name="exhibits",
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    model = models.CharField(
        _("exhibit model"),
        max_length=100,
        help_text=_("The exhibit design; copies of the same design in other sets share it."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ExhibitStatus.choices, default=ExhibitStatus.OK
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("exhibit")
        verbose_name_plural = _("exhibits")
        ordering = ["exhibition_set", "code", "id"]
        indexes = [models.Index(fields=["model"])]
        constraints = [
            models.UniqueConstraint(
                fields=["exhibition_set", "code"], name="exhibit_code_unique_in_set"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"
