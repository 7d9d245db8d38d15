"""API tokens die with the password: change, reset and deactivation revoke them on every door."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-new-Secret-2024"
pytestmark = pytest.mark.django_db


def token_for(user):
    return Token.objects.create(user=user).key


def me_status(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/auth/me/").status_code


def test_password_change_page_revokes_the_old_token(client):
    user = factories.UserFactory(username="staff")
    key = token_for(user)
    assert me_status(key) == 200
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert me_status(key) == 401
    # A new token comes from the new password.
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "staff", "password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200 and me_status(response.json()["token"]) == 200


def test_password_reset_revokes_the_old_token(client, django_capture_on_commit_callbacks):
    user = factories.UserFactory(username="forgetful", email="forgetful@example.org")
    key = token_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert me_status(key) == 401


def test_deactivating_in_the_admin_revokes_the_token_for_good(client, admin_user):
    user = factories.UserFactory(username="leaver")
    key = token_for(user)
    client.force_login(admin_user)
    change_url = reverse("admin:auth_user_change", args=[user.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "username": "leaver",
            "is_active": "",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "00:00:00",
            "last_login_0": "",
            "last_login_1": "",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("password", None)
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.is_active
    # Re-activating the account does not bring the old token back.
    user.is_active = True
    user.save()
    assert me_status(key) == 401
    assert not Token.objects.filter(user=user).exists()


def test_changepassword_command_revokes_the_token(monkeypatch):
    user = factories.UserFactory(username="operator")
    key = token_for(user)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "operator", stdout=io.StringIO())
    assert me_status(key) == 401


def test_signing_in_and_editing_the_profile_keep_the_token(client):
    user = factories.UserFactory(username="steady")
    key = token_for(user)
    assert client.login(username="steady", password=PASSWORD)  # saves last_login
    user.refresh_from_db()
    user.first_name = "Steady"
    user.save()
    assert me_status(key) == 200
