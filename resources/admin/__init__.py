"""Admin of the resources app, one module per domain; importing them registers the admins."""

from . import allotments, bundles, digital, distributions, exhibits, kits, repairs  # noqa: F401
