from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resources and kits")

    def ready(self):
        from .services import bundles, digital, downloads

        bundles.connect_signals()
        digital.connect_signals()
        downloads.connect_signals()
