"""REST API of the resources app, one module per topic."""

from . import allotments, digital, distributions, exhibits, kits


def register(router):
    for module in (kits, allotments, digital, distributions, exhibits):
        module.register(router)
