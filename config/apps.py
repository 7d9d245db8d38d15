"""django-axes under a translated name: its admin section and model names read in the site's
language (axes ships no Chinese catalogue, so its strings live in ours)."""

from axes.apps import AppConfig as BaseAxesConfig
from django.utils.translation import gettext_lazy as _

# The same English words axes uses, so that model state (and migrations) do not change.
AXES_MODEL_NAMES = {
    "accessattempt": (_("access attempt"), _("access attempts")),
    "accessattemptexpiration": (_("access attempt expiration"), _("access attempt expirations")),
    "accessfailurelog": (_("access failure"), _("access failures")),
    "accesslog": (_("access log"), _("access logs")),
}


class AxesConfig(BaseAxesConfig):
    verbose_name = _("Sign-in protection")

    def ready(self):
        super().ready()
        for model in self.get_models():
            names = AXES_MODEL_NAMES.get(model._meta.model_name)
            if names:
                model._meta.verbose_name, model._meta.verbose_name_plural = names
