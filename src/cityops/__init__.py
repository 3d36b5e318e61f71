"""CityOps: a city operations platform.

It closes the loop sense → detect → dispatch → handle → verify → close.
"""

__version__ = "0.1.0"
