"""Benchmarks of the platform: `make bench` runs `python -m bench`.

Every module in this package that defines `run()` is a benchmark; `python -m bench stats`
runs only the named ones. They run one after the other in a throwaway PostgreSQL database
(`kepu_bench`, or $BENCH_DATABASE_NAME) on the server of $DATABASE_URL, created with the
tables of the current models before the first and dropped after the last; the database is
emptied between benchmarks, so each builds its own data (in bulk: bulk_create, or
INSERT … SELECT generate_series for millions of rows).

Benchmarks print timings together with ratios against a baseline measured in the same run
(wall-clock numbers alone say more about the machine than about the code), and assert only
correctness, never speed.
"""

import gc
import statistics
import time


def median_seconds(function, *, repeat=15, setup=None):
    """Median wall-clock time of `function()` over `repeat` runs (`setup()` before each)."""
    timings = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def interleaved_min_seconds(functions, *, repeat=15, warmup=3):
    """Least wall-clock time of each of `functions` (name → callable), measured in turns.

    For comparing an endpoint with its baseline on a shared machine: each round runs every
    function once, so a burst of load elsewhere hits all of them rather than whichever
    happened to be measured then; the minimum keeps the run least disturbed (load only ever
    adds time); warm-up rounds fill caches first; and the garbage collector runs between
    timings, not inside one.
    """
    timings = {name: [] for name in functions}
    for round_number in range(warmup + repeat):
        for name, function in functions.items():
            gc.collect()
            gc.disable()
            try:
                started = time.perf_counter()
                function()
                elapsed = time.perf_counter() - started
            finally:
                gc.enable()
            if round_number >= warmup:
                timings[name].append(elapsed)
    return {name: min(values) for name, values in timings.items()}


def milliseconds(seconds):
    return f"{seconds * 1000:.1f} ms"
