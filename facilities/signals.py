"""Credentials die with a password change: API tokens are revoked with the old password.

Hooked on the user model's save, so every door that changes a password or deactivates an
account (password change and reset pages, the admin, `changepassword`, a shell) revokes the
user's DRF tokens; sessions are already bound to the password hash by Django itself.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

User = get_user_model()
CREDENTIAL_FIELDS = {"password", "is_active"}


def credentials_changed(user, update_fields):
    """True when this save sets a new password or deactivates the account."""
    if user.pk is None:
        return False
    if update_fields is not None and not CREDENTIAL_FIELDS & set(update_fields):
        return False  # last_login and other bookkeeping saves
    if getattr(user, "_password", None) is not None:  # set_password() was called
        return True
    stored = User.objects.filter(pk=user.pk).values("password", "is_active").first()
    if stored is None:
        return False
    if stored["is_active"] and not user.is_active:
        return True
    # check_password() re-hashes an outdated hash with update_fields=["password"]: same password.
    return update_fields is None and stored["password"] != user.password


@receiver(pre_save, sender=User, dispatch_uid="facilities.note_credential_change")
def note_credential_change(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._kepu_revoke_tokens = not raw and credentials_changed(instance, update_fields)


@receiver(post_save, sender=User, dispatch_uid="facilities.revoke_tokens")
def revoke_tokens(sender, instance, created=False, raw=False, **kwargs):
    if getattr(instance, "_kepu_revoke_tokens", False):
        Token.objects.filter(user_id=instance.pk).delete()
        instance._kepu_revoke_tokens = False
