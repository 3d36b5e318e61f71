"""Exceptions raised by CityOps domain services.

    CityOpsError
     ├── ConfigError          a data file (thing model, district, scenario) is invalid
     ├── NotFound             a named thing does not exist
     ├── Conflict             it exists already, or the change contradicts the current state
     ├── Unauthorized         no valid credential
     ├── Forbidden            a valid credential that may not do this
     └── Overloaded           the write path is saturated; the caller should retry later

Edges (HTTP, MQTT, CLI) translate these into status codes, log lines or exit codes.
"""


class CityOpsError(Exception):
    """Base of every error a domain service raises on purpose."""


class ConfigError(CityOpsError):
    """A data file or setting is invalid; the message names the file and the field."""


class NotFound(CityOpsError):
    """The named object does not exist."""


class Conflict(CityOpsError):
    """The object exists already, or the change contradicts the current state."""


class Unauthorized(CityOpsError):
    """No credential, or one that is unknown or revoked."""


class Forbidden(CityOpsError):
    """The credential is valid but does not allow this action."""


class Overloaded(CityOpsError):
    """The write queue is full; nothing was accepted, the caller should retry."""
