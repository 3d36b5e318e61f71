"""Event titles from rule templates: "{device_name}积水{value}{unit}" → "人民路下穿积水32.5cm".

Placeholders are looked up by their full name only (no attribute or index access, so a
template cannot reach into objects); an unknown placeholder stays as written and a format
spec that does not fit the value falls back to the plain value, so rendering never fails.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

_FORMATTER = string.Formatter()


def pretty(value: Any) -> str:
    """Numbers as people read them: 32.5, 0.15, 6 — not 32.499999 or 6.0."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return str(value)


def render(template: str, context: Mapping[str, Any]) -> str:
    try:
        pieces = list(_FORMATTER.parse(template))
    except ValueError:
        return template  # checked when the rule was saved; never fail on the hot path
    out: list[str] = []
    for literal, field, spec, _conversion in pieces:
        out.append(literal)
        if field is None:
            continue
        if field not in context:
            out.append("{" + field + (":" + spec if spec else "") + "}")
            continue
        value = context[field]
        if not spec:
            out.append(pretty(value))
            continue
        try:
            out.append(format(value, spec))
        except (ValueError, TypeError):
            out.append(pretty(value))
    return "".join(out)
