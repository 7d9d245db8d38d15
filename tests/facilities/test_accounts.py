"""Accounts: sign up, sign in and out, password change and reset, the auth API, lockout."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories

User = get_user_model()
PASSWORD = "correct-horse-battery"


@pytest.mark.django_db
def test_sign_up_signs_in_and_leads_to_facility_registration(client):
    assert client.get(reverse("signup")).status_code == 200
    response = client.post(
        reverse("signup"),
        {
            "username": "heihe",
            "email": "heihe@example.org",
            "password1": "Kepu-2022-heihe!",
            "password2": "Kepu-2022-heihe!",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("facility-register")
    assert User.objects.get(username="heihe").email == "heihe@example.org"
    assert client.get(reverse("facility-register")).status_code == 200


@pytest.mark.django_db
def test_sign_up_refuses_weak_passwords_and_used_addresses(client):
    factories.UserFactory(username="taken", email="taken@example.org")
    response = client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "email": "TAKEN@example.org",
            "password1": "123",
            "password2": "123",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"email", "password2"}
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
def test_sign_in_and_out(client):
    factories.UserFactory(username="staff")
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("facility-mine")).status_code == 302  # no facility yet: register
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    response = client.get(reverse("facility-mine"))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_password_change(client):
    user = factories.UserFactory(username="staff")
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-Secret-2024",
            "new_password2": "a-new-Secret-2024",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Secret-2024")


@pytest.mark.django_db
def test_password_reset_mail_goes_through_the_mail_backend(
    client, django_capture_on_commit_callbacks
):
    user = factories.UserFactory(username="forgetful", email="forgetful@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["forgetful@example.org"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    response = client.get(link, follow=True)
    assert response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "brand-New-2024-pw", "new_password2": "brand-New-2024-pw"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-New-2024-pw")


@pytest.mark.django_db
def test_api_register_token_and_me(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "api-user", "password": "Kepu-2022-api!", "email": "api@example.org"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "api-user" and len(body["token"]) == 40

    response = api_client.post(
        "/api/v1/auth/token/", {"username": "api-user", "password": "Kepu-2022-api!"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"token": body["token"]}

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api_client.get("/api/v1/auth/me/").json() == {
        "id": body["id"],
        "username": "api-user",
        "is_admin": False,
        "facilities": [],
        "coordinator_of": [],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload, field",
    [
        ({"username": "taken", "password": "Kepu-2022-api!", "email": "x@example.org"}, "username"),
        ({"username": "fresh", "password": "password", "email": "x@example.org"}, "password"),
        ({"username": "fresh", "password": "12345678901", "email": "x@example.org"}, "password"),
        ({"username": "fresh", "password": "Kepu-2022-api!", "email": "not-mail"}, "email"),
        (
            {"username": "bad name!", "password": "Kepu-2022-api!", "email": "x@example.org"},
            "username",
        ),
    ],
)
def test_api_register_refuses_bad_input_with_field_errors(api_client, payload, field):
    factories.UserFactory(username="taken")
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_api_token_with_wrong_credentials_is_a_400(api_client):
    factories.UserFactory(username="staff")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "staff", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    assert api_client.post("/api/v1/auth/token/", {}, format="json").status_code == 400


@pytest.mark.django_db
def test_api_me_needs_authentication(api_client):
    assert api_client.get("/api/v1/auth/me/").status_code == 401


@pytest.mark.django_db
def test_me_lists_facilities_roles_and_provinces(world, api_client):
    from tests.facilities.world import client_for

    factories.MembershipFactory(user=world.coordinator_a, facility=world.facility_b, role="staff")
    body = client_for(api_client, world.coordinator_a).get("/api/v1/auth/me/").json()
    assert body["facilities"] == [{"id": world.facility_b.pk, "role": "staff"}]
    assert body["coordinator_of"] == ["230000"]
    body = client_for(APIClient(), world.admin).get("/api/v1/auth/me/").json()
    assert body["is_admin"] is True


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account_out_with_a_clear_message(
    settings, client, api_client
):
    """The one test with django-axes on: five failures lock out, even the right password."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.LANGUAGE_CODE = "en"
    factories.UserFactory(username="target")
    factories.UserFactory(username="bystander")

    statuses = [
        client.post(reverse("login"), {"username": "target", "password": "guess"}).status_code
        for _attempt in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the form again, then the lockout
    response = client.post(reverse("login"), {"username": "target", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-in attempts" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session

    # The API door shares the count: the right password is refused with a clear 429 ...
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": "target", "password": PASSWORD},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert "15 minutes" in response.json()["detail"]
    # ... while other accounts sign in as usual.
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "bystander", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_failed_api_sign_ins_count_towards_the_lockout(settings, api_client):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    factories.UserFactory(username="target")
    statuses = [
        api_client.post(
            "/api/v1/auth/token/", {"username": "target", "password": "guess"}, format="json"
        ).status_code
        for _attempt in range(4)
    ]
    assert statuses == [400, 400, 429, 429]
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "target", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_page_and_api_refuse_a_used_address_and_a_name_in_another_case(client, api_client):
    factories.UserFactory(username="heihe", email="heihe@example.org")
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "fresh", "password": "Kepu-2022-api!", "email": "HEIHE@example.org"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this e-mail address already exists."]}
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "HeiHe", "password": "Kepu-2022-api!", "email": "other@example.org"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["This user name is taken."]}
    response = client.post(
        reverse("signup"),
        {
            "username": "HEIHE",
            "email": "Heihe@Example.org",
            "password1": "Kepu-2022-heihe!",
            "password2": "Kepu-2022-heihe!",
        },
    )
    assert set(response.context["form"].errors) == {"username", "email"}
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_name_in_another_case_and_the_service_says_so(monkeypatch):
    """On either database: the lower(username) index holds even when the check is skipped."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction
    from django.utils import translation

    from facilities import services

    factories.UserFactory(username="name")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="NAME", password="x")
    monkeypatch.setattr(services, "check_account", lambda **kwargs: None)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.create_account(username="Name", password="Kepu-2022-x!", email="n@example.org")
    assert caught.value.message_dict == {"username": ["This user name is taken."]}


@pytest.mark.django_db
def test_sign_up_that_loses_the_race_shows_the_taken_name(client, monkeypatch):
    factories.UserFactory(username="racer")
    # The other sign-up commits between this one's check and its insert.
    monkeypatch.setattr("facilities.forms.check_account", lambda **kwargs: None)
    monkeypatch.setattr("facilities.services.check_account", lambda **kwargs: None)
    response = client.post(
        reverse("signup"),
        {
            "username": "RACER",
            "email": "racer2@example.org",
            "password1": "Kepu-2022-racer!",
            "password2": "Kepu-2022-racer!",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This user name is taken." in response.context["form"].errors["username"]
    assert User.objects.count() == 1
