"""Run the benchmarks: `python -m bench [module ...] [--sustained]` (see bench/__init__.py)."""

import importlib
import os
import pkgutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


class _NoMigrations:
    """Build tables straight from the models, as the test suite does (--nomigrations)."""

    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


def _create_extensions(using, **_signal):
    """The extensions the migrations create (btree_gist for exclusion constraints), made
    before the tables since the benchmark database skips the migrations."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")


def configure_django():
    sys.path.insert(0, str(BENCH_DIR.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like settings (DEBUG off) without the HTTPS redirect of a public deployment.
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-never-deployed")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("AXES_ENABLED", "0")
    os.environ.setdefault(
        "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    import django
    from django.conf import settings
    from django.db.models.signals import pre_migrate
    from django.test.utils import setup_test_environment

    django.setup()
    settings.MIGRATION_MODULES = _NoMigrations()
    pre_migrate.connect(_create_extensions, dispatch_uid="bench-extensions")
    setup_test_environment()  # the test client's host, in-memory mail


@contextmanager
def bench_database():
    """Create the benchmark database with the current models' tables; drop it afterwards."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmarks need PostgreSQL: set DATABASE_URL=postgres://…")
    name = os.environ.get("BENCH_DATABASE_NAME", "kepu_bench")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def discover(selected):
    names = [
        info.name
        for info in pkgutil.iter_modules([str(BENCH_DIR)])
        if not info.name.startswith("_")
    ]
    unknown = set(selected) - set(names)
    if unknown:
        raise SystemExit(f"No benchmark named {', '.join(sorted(unknown))}; have {names}")
    modules = [importlib.import_module(f"bench.{name}") for name in sorted(names)]
    return [
        module
        for module in modules
        if callable(getattr(module, "run", None))
        and (not selected or module.__name__.split(".")[-1] in selected)
    ]


def main(argv):
    # `--sustained`: the download benchmark's sustained peak lasts 60 s instead of 10 s.
    if "--sustained" in argv:
        argv = [arg for arg in argv if arg != "--sustained"]
        os.environ.setdefault("BENCH_SUSTAINED_SECONDS", "60")
    configure_django()
    from django.core.management import call_command

    modules = discover(argv)
    with bench_database() as name:
        print(f"benchmark database: {name}")
        for module in modules:
            call_command("flush", interactive=False, verbosity=0)
            title = module.__name__.split(".")[-1]
            print(f"\n== {title}: {(module.__doc__ or '').strip().splitlines()[0]}")
            started = time.perf_counter()
            module.run()
            print(f"-- {title} done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
