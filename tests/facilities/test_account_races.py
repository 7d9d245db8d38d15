"""Sign-up and facility registration under real concurrency on PostgreSQL.

Each request runs in its own thread, hence its own database connection, all released together
by a barrier. The window between the service's check and its insert is widened on purpose, so
the checks pass for every request and only the database guarantee can stop the duplicates; the
negative controls take that guarantee away and show the same run creating duplicates.
"""

import threading
import time
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from facilities import services
from facilities.models import Facility, Membership
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]
User = get_user_model()
INDEX = "auth_user_username_lower_uniq"
WINDOW = 0.3  # seconds between the check and the insert


def run_together(calls):
    """Run each call in its own thread and connection, all started at once; their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - re-raised below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results


def slow_down(monkeypatch, name):
    original = getattr(services, name)

    def slowly(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(WINDOW)
        return result

    monkeypatch.setattr(services, name, slowly)


def register(username, number):
    response = APIClient().post(
        "/api/v1/auth/register/",
        {"username": username, "password": "Kepu-2022-race!", "email": f"r{number}@example.org"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    return response.status_code, response.json()


def parallel_registrations():
    names = ["name", "NAME"] * 4
    return run_together(
        [lambda n=n, i=i: register(n, i) for i, n in enumerate(names)]  # noqa: B023
    )


def test_eight_parallel_registrations_of_name_and_NAME_make_one_account(monkeypatch):
    slow_down(monkeypatch, "check_account")
    results = parallel_registrations()
    assert Counter(status for status, _body in results) == {201: 1, 400: 7}
    for status, body in results:
        if status == 400:
            assert body == {"username": ["This user name is taken."]}
    assert User.objects.filter(username__iexact="name").count() == 1
    assert Token.objects.count() == 1


def test_negative_control_without_the_lower_case_index_duplicates_appear(monkeypatch):
    slow_down(monkeypatch, "check_account")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {INDEX}")
    try:
        results = parallel_registrations()
        assert User.objects.filter(username__iexact="name").count() > 1
        assert Counter(status for status, _body in results)[201] > 1
    finally:
        User.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(username))")


def parallel_facility_registrations(count=6):
    _province, _prefecture, county = factories.region_tree()
    user = factories.UserFactory(username="applicant")
    key = Token.objects.create(user=user).key

    def post(number):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.post(
            "/api/v1/facilities/",
            {"name": f"流动科技馆 {number}", "kind": "caravan", "region": county.code},
            format="json",
        )
        return response.status_code

    results = run_together([lambda n=n: post(n) for n in range(count)])
    return user, results


def test_six_parallel_facility_registrations_with_one_token_make_one(monkeypatch):
    slow_down(monkeypatch, "facility_region")
    user, statuses = parallel_facility_registrations()
    assert Counter(statuses) == {201: 1, 403: 5}
    assert Facility.objects.count() == 1
    assert Membership.objects.filter(user=user).count() == 1


def test_negative_control_without_the_account_lock_each_registration_goes_through(monkeypatch):
    slow_down(monkeypatch, "facility_region")
    monkeypatch.setattr(services, "_lock_account", lambda user: None)
    user, statuses = parallel_facility_registrations()
    assert Facility.objects.count() > 1
    assert Membership.objects.filter(user=user).count() == Counter(statuses)[201] > 1
