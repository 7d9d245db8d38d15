"""REST API of the resources app, one module per topic."""

from . import allotments, bundles, digital, distributions, exhibits, kits, repairs


def register(router):
    # The catalogue first: the resolver tries the routes in order, and it is the busiest.
    for module in (digital, kits, allotments, distributions, bundles, exhibits, repairs):
        module.register(router)
