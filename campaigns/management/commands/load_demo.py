import re
import textwrap

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.utils.translation import gettext as _

from campaigns.demo import CENTRE_USERNAME, COORDINATOR_USERNAME, DEMO_PASSWORD, load_demo
from config.errors import DomainError
from facilities.models import Region

# Regions the demo data refers to; load_regions provides them.
REQUIRED_REGIONS = ["230000", "231100", "232700", "110119", "429004", "653229"]


CJK = "[\u2e80-\u9fff\uff00-\uffef]"
PASSWORD = re.escape(DEMO_PASSWORD)


class UnbrokenPasswordHelpFormatter(DjangoHelpFormatter):
    """Wraps the description so that the demo password always stays on one line.

    The password stands as a word of its own (Chinese text has no spaces around it) and
    hyphens are no break points; other long runs of Chinese still wrap at the width.
    """

    def _fill_text(self, text, width, indent):
        text = self._whitespace_matcher.sub(" ", text).strip()
        text = re.sub(rf"(?<={CJK})([“‘]?{PASSWORD})", r" \1", text)
        text = re.sub(rf"({PASSWORD}[”’]?)(?={CJK})", r"\1 ", text)
        return textwrap.fill(
            text,
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
        )


class Command(BaseCommand):
    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", UnbrokenPasswordHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    @property
    def help(self):  # a property: argparse needs a plain string in the active language
        return _(
            "Load the demo joint action (2022, public health, launched in Heihe) with its "
            "units, flags, kits and requests, digital resources and activities. Idempotent: "
            "what exists is left as it is. Runs load_regions first when the regions are "
            "missing. Demo accounts (facility staff 'unit-<region code>-<kind>', the "
            "Heilongjiang coordinator '%(coordinator)s') sign in with the password "
            "'%(password)s'; '%(centre)s' cannot sign in. Use create_demo_admin for an "
            "administrator."
        ) % {
            "coordinator": COORDINATOR_USERNAME,
            "password": DEMO_PASSWORD,
            "centre": CENTRE_USERNAME,
        }

    def handle(self, *args, **options):
        if Region.objects.filter(code__in=REQUIRED_REGIONS).count() < len(REQUIRED_REGIONS):
            self.stdout.write(_("Regions are missing: running load_regions first."))
            call_command("load_regions", stdout=self.stdout)
            if Region.objects.filter(code__in=REQUIRED_REGIONS).count() < len(REQUIRED_REGIONS):
                raise CommandError(
                    _("The regions the demo needs (%(codes)s) are still missing.")
                    % {"codes": ", ".join(REQUIRED_REGIONS)}
                )
        try:
            created = load_demo()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if not created:
            self.stdout.write(_("Demo data is already loaded; nothing was changed."))
            return
        summary = ", ".join(
            f"{model._meta.verbose_name_plural} {count}" for model, count in created.items()
        )
        self.stdout.write(_("Demo data loaded: %(summary)s.") % {"summary": summary})
        self.stdout.write(
            _("Demo accounts and their password are described in `manage.py load_demo --help`.")
        )
