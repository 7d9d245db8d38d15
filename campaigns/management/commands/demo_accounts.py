from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from campaigns.demo import COORDINATOR_USERNAME, DEMO_PASSWORD
from facilities.models import Membership, ProvincialCoordinator

STAFF_SHOWN = 3


class Command(BaseCommand):
    @property
    def help(self):  # a property: argparse needs a plain string in the active language
        return _(
            "Print the accounts of the demo to sign in with: the administrators, the "
            "coordinator, some facility staff, and the demo password. `make run` ends with it."
        )

    def handle(self, *args, **options):
        User = get_user_model()
        admins = list(
            User.objects.filter(is_superuser=True, is_active=True)
            .order_by("username")
            .values_list("username", flat=True)
        )
        coordinators = list(
            ProvincialCoordinator.objects.filter(
                user__username=COORDINATOR_USERNAME, user__is_active=True
            ).values_list("user__username", flat=True)
        )
        staff = list(
            Membership.objects.filter(user__username__startswith="unit-", user__is_active=True)
            .order_by("user__username")
            .values_list("user__username", flat=True)
            .distinct()
        )
        lines = [_("Demo accounts:")]
        if admins:
            lines.append(
                "  "
                + _("Administrator: %(names)s (password as printed by create_demo_admin)")
                % {"names": ", ".join(admins)}
            )
        if not coordinators and not staff:
            lines.append("  " + _("No demo data is loaded: run `manage.py load_demo`."))
        else:
            if coordinators:
                lines.append(
                    "  " + _("Coordinator: %(names)s") % {"names": ", ".join(coordinators)}
                )
            if staff:
                shown = ", ".join(staff[:STAFF_SHOWN])
                if len(staff) > STAFF_SHOWN:
                    shown += " " + _("(and %(count)d more)") % {"count": len(staff) - STAFF_SHOWN}
                lines.append("  " + _("Facility staff: %(names)s") % {"names": shown})
            lines.append(
                "  "
                + _("Password of the coordinator and facility staff: %(password)s")
                % {"password": DEMO_PASSWORD}
            )
        self.stdout.write("\n".join(lines))
