"""REST API of the resources app, one module per topic."""

from . import digital, distributions, exhibits, kits, repairs


def register(router):
    for module in (kits, digital, distributions, exhibits, repairs):
        module.register(router)
