"""The embedded mode of `make run`: SQLite, local media, no services, from an empty directory.

Runs the same commands as `make run` in subprocesses with nothing but DJANGO_DEBUG=1, a SQLite
DATABASE_URL and MEDIA_ROOT in the environment, then asks the development server for pages.
"""

import os
import subprocess
import sys

import pytest
import requests
from django.conf import settings

from tests.fixtures.processes import (
    accepts_connections,
    free_ports,
    log_tail,
    start_process,
    stop_process,
    wait_until,
)

SETUP_COMMANDS = [
    ["migrate", "--noinput"],
    ["load_regions"],
    ["load_demo"],
    ["create_demo_admin"],
]


@pytest.fixture
def embedded_env(tmp_path):
    """The environment `make run` gives: DJANGO_DEBUG=1 and nothing else of ours."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(*args, env):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_make_run_serves_the_demo_from_an_empty_directory(embedded_env, tmp_path):
    for command in SETUP_COMMANDS:
        manage(*command, env=embedded_env)
    # Loading twice changes nothing and fails nowhere.
    manage("load_demo", env=embedded_env)

    (port,) = free_ports(1)
    server = start_process(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        log_path=tmp_path / "runserver.log",
        env=embedded_env,
        cwd=settings.BASE_DIR,
    )
    try:
        assert wait_until(lambda: accepts_connections(port), timeout=60), log_tail(
            tmp_path / "runserver.log"
        )
        base = f"http://127.0.0.1:{port}"
        home = requests.get(base + "/", headers={"Accept-Language": "zh-CN"}, timeout=30)
        assert home.status_code == 200, home.text[:2000]
        assert "全国流动科普设施服务平台" in home.text
        assert "健康享未来" in home.text  # the demo joint action is on the home page

        stylesheet = requests.get(base + "/static/css/site.css", timeout=30)
        assert stylesheet.status_code == 200

        health = requests.get(base + "/healthz", timeout=30)
        assert health.status_code == 200
        assert set(health.json().values()) == {"ok"}
    finally:
        stop_process(server, grace=5)
