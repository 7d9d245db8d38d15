"""The demo: the 2022 public-health joint action, loaded by `manage.py load_demo`.

facts: the data; pictures: the images drawn for it; loader: writing it through the
services; field and repairs: the touring sets' field work and exhibit care.
"""

from .facts import CENTRE_USERNAME, COORDINATOR_USERNAME, DEMO_PASSWORD
from .loader import load_demo

__all__ = ["CENTRE_USERNAME", "COORDINATOR_USERNAME", "DEMO_PASSWORD", "load_demo"]
