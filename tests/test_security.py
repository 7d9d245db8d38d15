"""Production hardening: deploy checks, API throttling and secrets from the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AWS_", "EMAIL_", "STATICFILES_"))
    }
    env.update(
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x7Q2p9Lm4Rt8Vw3Zk6Yb1Nc5" * 2,
        DJANGO_ALLOWED_HOSTS="kepu.example.org",
        DATABASE_URL=os.environ["DATABASE_URL"],
    )
    env.update(extra)
    return env


def test_deploy_check_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.fixture
def tight_throttles(monkeypatch):
    """Lower the configured rates so the limit is reached within a few requests."""
    rates = {"anon": "3/minute", "user": "5/minute"}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    return rates


@pytest.mark.django_db
def test_anonymous_api_clients_are_throttled_with_retry_after(api_client, tight_throttles):
    statuses = [api_client.get("/api/v1/").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    response = api_client.get("/api/v1/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_signed_in_api_clients_have_their_own_higher_limit(api_client, tight_throttles):
    user = factories.UserFactory()
    api_client.force_authenticate(user)
    statuses = [api_client.get("/api/v1/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # Another user is not affected by the first one's traffic.
    other = factories.UserFactory()
    api_client.force_authenticate(other)
    assert api_client.get("/api/v1/").status_code == 200


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_unknown_api_paths_answer_json_not_html(client):
    response = client.get("/api/v1/activities/not-an-id.json/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_api_docs_load_their_assets_from_this_site(client):
    html = client.get("/api/docs/").content.decode()
    assert "cdn." not in html
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["null,null", "0.5", "abc", "99999999999999999999"])
def test_malformed_object_ids_are_404_not_server_errors(client, bad_id):
    for path in (f"/api/v1/bundles/{bad_id}/download/", f"/api/v1/kit-requests/{bad_id}/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "application/json"
