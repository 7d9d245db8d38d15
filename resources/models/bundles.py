"""Offline bundles: ZIP packages of digital resources."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .digital import AccessQuerySet, DigitalResource, ResourceAccess


class BundleStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be built")
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ResourceBundleQuerySet(AccessQuerySet):
    def built(self):
        """Bundles with a ZIP to download (a rebuild keeps the previous ZIP until it is done)."""
        return self.exclude(file="")

    def downloadable_by(self, user):
        """Built bundles the user may download."""
        return self.visible_to(user).built()


class ResourceBundle(models.Model):
    """An offline package (ZIP with manifest) of digital resources for poorly connected places."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bundles",
    )
    resources = models.ManyToManyField(
        DigitalResource, verbose_name=_("resources"), related_name="bundles", blank=True
    )
    access = models.CharField(
        _("access"), max_length=16, choices=ResourceAccess.choices, default=ResourceAccess.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BundleStatus.choices, default=BundleStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="bundles/", blank=True, max_length=300)
    file_size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    manifest = models.JSONField(_("manifest"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Bumped by every rebuild request; a build only publishes its ZIP if no newer one was asked.
    revision = models.PositiveIntegerField(_("revision"), default=0)
    download_count = models.PositiveBigIntegerField(_("downloads"), default=0)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResourceBundleQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource bundle")
        verbose_name_plural = _("resource bundles")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title
