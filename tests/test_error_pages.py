"""Expected refusals: the site's own CSRF page, and 403s that log one short line."""

import io
import logging

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.log import configure_logging

from tests import factories
from tests.facilities.world import build_world, client_for

pytestmark = pytest.mark.django_db


def test_a_failed_csrf_check_shows_the_sites_page_with_a_way_out():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "The form has expired" in page and "Go back, reload the page and try again" in page
    assert 'class="lang-switch"' in page  # the site's base template, header and all
    assert "DEBUG" not in page and "CSRF verification failed" not in page


def test_the_csrf_page_speaks_chinese_by_default():
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {})
    assert response.status_code == 403
    assert '<html lang="zh-hans"' in response.content.decode()


@pytest.fixture
def console_log(settings):
    """The logging of a development run (DEBUG on, the settings' LOGGING); its console output."""
    settings.DEBUG = True
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    output = io.StringIO()
    for name in ("", "django", "django.request"):
        for handler in logging.getLogger(name).handlers:
            if type(handler) is logging.StreamHandler:
                handler.setStream(output)
    yield output
    settings.DEBUG = False
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def test_an_expected_403_logs_one_line_without_a_traceback(client, console_log):
    client.force_login(factories.UserFactory(username="plain"))
    assert client.get(reverse("facility-review")).status_code == 403
    err = console_log.getvalue()
    assert err.count("Forbidden") == 1, err
    assert "Traceback" not in err


def test_an_expected_404_logs_one_line_without_a_traceback(client, console_log):
    assert client.get(reverse("facility-detail", args=[999999])).status_code == 404
    err = console_log.getvalue()
    assert err.count("Not Found") == 1, err
    assert "Traceback" not in err


def test_an_api_403_logs_one_line_without_a_traceback(api_client, console_log):
    world = build_world()
    client = client_for(api_client, world.staff_b)
    response = client.post(f"/api/v1/facilities/{world.facility_b.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    err = console_log.getvalue()
    assert err.count("Forbidden") == 1, err
    assert "Traceback" not in err


def test_a_server_error_still_logs_its_traceback(console_log):
    from django.core.handlers.exception import response_for_exception
    from django.test import RequestFactory

    request = RequestFactory().get("/somewhere")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        assert response_for_exception(request, exc).status_code == 500
    err = console_log.getvalue()
    assert err.count("Internal Server Error") == 1
    assert "Traceback" in err and "RuntimeError: boom" in err
