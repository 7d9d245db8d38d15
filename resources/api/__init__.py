"""REST API of the resources app, one module per topic."""

from . import allotments, digital, distributions, exhibits, kits, repairs


def register(router):
    for module in (kits, allotments, digital, distributions, exhibits, repairs):
        module.register(router)
