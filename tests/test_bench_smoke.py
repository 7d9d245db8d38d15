"""The benchmarks of `make bench` stay runnable: every module of bench/ imports, and every
benchmark's run(scale=...) runs a tiny version of itself on the test database,
with its real servers (gunicorn, SeaweedFS, a Celery worker, wrk for one second), so that
its correctness checks (same rows, no lost download, consistent stock) run in every
`make test`. Timings are printed, never asserted."""

import importlib
import inspect
import pkgutil

import pytest

import bench

SCALE = 0.001
MODULES = sorted(
    info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_")
)
# Benchmarks that start servers of their own, marked like the tests that need those servers.
MARKS = {
    "catalogue": [pytest.mark.s3],
    "downloads": [pytest.mark.s3, pytest.mark.celery_worker],
}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=MARKS.get(name, [])) for name in MODULES]
)
def test_benchmark_runs_at_a_tiny_scale(name, transactional_db, capsys):
    module = importlib.import_module(f"bench.{name}")
    run = getattr(module, "run", None)
    if run is None:
        return  # helpers shared by the benchmarks: importing them is the check
    assert "scale" in inspect.signature(run).parameters, f"bench.{name}.run() needs a scale"
    run(scale=SCALE)
    printed = capsys.readouterr().out
    assert "ratio" in printed, printed
