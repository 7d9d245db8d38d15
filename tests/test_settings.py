"""Settings read from the environment."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), ("Yes", True), (" on ", True)]
    + [("0", False), ("false", False), ("NO", False), ("Off", False)],
)
def test_switches_accept_the_usual_spellings_in_any_case(monkeypatch, value, expected):
    monkeypatch.setenv("KEPU_TEST_SWITCH", value)
    assert env_bool("KEPU_TEST_SWITCH", default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_an_unset_or_empty_switch_keeps_its_default(monkeypatch, default):
    monkeypatch.delenv("KEPU_TEST_SWITCH", raising=False)
    assert env_bool("KEPU_TEST_SWITCH", default=default) is default
    monkeypatch.setenv("KEPU_TEST_SWITCH", "")
    assert env_bool("KEPU_TEST_SWITCH", default=default) is default


@pytest.mark.parametrize("value", ["flase", "ture", "2", "enabled"])
def test_a_misspelt_switch_refuses_to_start(monkeypatch, value):
    monkeypatch.setenv("KEPU_TEST_SWITCH", value)
    with pytest.raises(ImproperlyConfigured, match="KEPU_TEST_SWITCH"):
        env_bool("KEPU_TEST_SWITCH")
