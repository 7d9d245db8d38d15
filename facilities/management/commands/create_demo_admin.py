import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

ADMIN_URL = "http://127.0.0.1:8000/admin/"


class Command(BaseCommand):
    @property
    def help(self):  # a property: argparse needs a plain string in the active language
        return _(
            "Create or update the national administrator account 'admin' for a local demo, "
            "give it a freshly generated password and print the username, the password and "
            "the admin URL. Run it again to get a new password."
        )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help=_("Account name."))

    def handle(self, *args, **options):
        username = options["username"]
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.is_active = user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
        self.stdout.write(
            (_("Created superuser.") if created else _("Updated superuser."))
            + "\n"
            + _("Username: %(username)s") % {"username": username}
            + "\n"
            + _("Password: %(password)s") % {"password": password}
            + "\n"
            + _("Admin site: %(url)s") % {"url": ADMIN_URL}
        )
