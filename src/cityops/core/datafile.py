"""Data files people edit (thing models, scenarios, mappings, workflows…): one way to read them.

Every such file is YAML (JSON is YAML too), validated by a pydantic model, and every problem
is reported as a `ConfigError` naming the file and each failing field, one per line.
"""

from __future__ import annotations

from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from cityops.core.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def describe(exc: ValidationError) -> str:
    """``  field.path: message`` per error, for a human fixing the file."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {where}: {err['msg']}")
    return "\n".join(lines)


def parse_yaml(text: str, origin: str, model: type[M], what: str) -> M:
    """Parse and validate; ConfigError reads ``<origin>: invalid <what>:`` then the fields."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{origin}: not valid YAML/JSON: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: invalid {what}:\n{describe(exc)}") from exc
