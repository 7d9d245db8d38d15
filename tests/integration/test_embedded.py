"""The embedded pass: the demo on a fresh SQLite database, no broker, local media, no 5xx.

`make run`'s default is SQLite with tasks in-process; the rest of the suite runs on
PostgreSQL. This module loads the demo as `make run` does (subprocesses with only the embedded
environment), then runs tests/integration/embedded_crawl.py in another subprocess: every GET
operation of the OpenAPI schema and every page linked from the header (and one level below)
for an anonymous visitor, facility staff, a coordinator and the administrator.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.embedded

SETUP_COMMANDS = [
    ["migrate", "--noinput"],
    ["load_regions"],
    ["load_demo"],
    ["create_demo_admin"],
]
TIMEOUT = 300


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory):
    """The environment of a loaded embedded demo: DJANGO_DEBUG=1, SQLite, local media."""
    root = tmp_path_factory.mktemp("embedded")
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        MEDIA_ROOT=str(root / "media"),
        PYTHONUNBUFFERED="1",
    )
    for command in SETUP_COMMANDS:
        run([sys.executable, "manage.py", *command], env)
    return root, env


def run(args, env):
    result = subprocess.run(
        args, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr[-5000:]}"
    return result


def test_no_schema_operation_or_header_page_answers_5xx_on_sqlite(embedded_site):
    root, env = embedded_site
    report_path = root / "crawl.json"
    run([sys.executable, "-m", "tests.integration.embedded_crawl", str(report_path)], env)
    report = json.loads(report_path.read_text(encoding="utf-8"))

    failures = [
        f"{f['visitor']}: GET {f['path']} (via {f['via']}) -> {f['status']}\n{f['traceback']}"
        for f in report["failures"]
    ]
    assert not failures, "\n\n".join(failures)

    # The pass really covered the schema and the four visitors' headers.
    operations = report["operations"]
    assert operations["unfilled"] == []
    assert "/api/v1/digital-resources/" in operations["plain"]
    assert any(path.startswith("/api/v1/digital-resources/") for path in operations["filled"])
    assert len(operations["plain"]) + len(operations["filled"]) >= 20
    headers = report["header_links"]
    assert "/accounts/login/" in headers["anonymous"]
    assert "/kits/requests/" in headers["facility staff"]
    assert "/facilities/review/" in headers["coordinator"]
    assert "/admin/" in headers["administrator"]
    for visitor, header in headers.items():
        assert report["requested"][visitor] > len(header) + len(operations["plain"])
