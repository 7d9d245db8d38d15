"""Celery tasks of the resources app; imported here so that autodiscovery finds them all."""

from .allotments import *  # noqa: F403
from .bundles import *  # noqa: F403
from .digital import *  # noqa: F403
from .distributions import *  # noqa: F403
