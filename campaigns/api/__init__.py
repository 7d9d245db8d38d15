"""REST API of the campaigns app."""

from . import assessment, campaigns, stats


def register(router):
    campaigns.register(router)
    stats.register(router)
    assessment.register(router)
