"""REST API of the campaigns app."""

from . import campaigns, stats


def register(router):
    campaigns.register(router)
    stats.register(router)
