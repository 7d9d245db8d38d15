"""REST API of the resources app, one module per topic."""

from . import digital, distributions, kits


def register(router):
    for module in (kits, digital, distributions):
        module.register(router)
