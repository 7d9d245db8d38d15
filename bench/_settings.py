"""Settings of the gunicorn server the download benchmark starts.

The platform's own settings, with two changes: the URLs add bench/_urls.py's baseline view
(the product's URLs stay untouched), and tasks go to the benchmark's own queue.
"""

import os

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench._urls"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("BENCH_CELERY_QUEUE", "celery")
