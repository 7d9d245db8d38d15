"""REST API of the resources app, one module per topic."""

from . import allotments, digital, distributions, kits


def register(router):
    for module in (kits, allotments, digital, distributions):
        module.register(router)
