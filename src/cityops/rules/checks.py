"""Validation of rule definitions, with an error per field path an operator can act on.

Pydantic checks shape and types; the walk here checks what spans fields (band order,
hysteresis on the right side, a severity wherever the condition does not grade one), the
event class against the taxonomy, and, when thing models are given, every property name.
Every error is a `FieldError` such as ``condition.bands.1.above: must be greater than the
previous band``; all of them are collected, not just the first.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
from pydantic import ValidationError

from cityops.core.errors import ConfigError
from cityops.devices.thing_model import DataType, ThingModel
from cityops.rules import gb3838
from cityops.rules.definition import (
    CONDITION_TYPES,
    AllOf,
    AnyOf,
    Bands,
    Condition,
    NoData,
    Rate,
    Rule,
    Sustained,
    Threshold,
    WaterQuality,
)
from cityops.taxonomy.model import Taxonomy

MAX_DEPTH = 8
NUMERIC = (DataType.FLOAT, DataType.INT)


class FieldError(msgspec.Struct, frozen=True):
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RuleInvalid(ConfigError):
    """A rule definition failed validation; `errors` names each failing field."""

    def __init__(self, errors: list[FieldError], origin: str = "") -> None:
        self.errors = errors
        prefix = f"{origin}: " if origin else ""
        super().__init__(prefix + "; ".join(str(e) for e in errors))


def parse_rule(
    data: Any,
    taxonomy: Taxonomy,
    models: Mapping[str, ThingModel] | None = None,
) -> Rule:
    """A validated rule, or `RuleInvalid` listing every problem."""
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        raise RuleInvalid(_shape_errors(exc)) from exc
    errors = list(check_rule(rule, taxonomy, models))
    if errors:
        raise RuleInvalid(errors)
    return rule


def _shape_errors(exc: ValidationError) -> list[FieldError]:
    found = [(e["type"], _from_pydantic(e)) for e in exc.errors()]
    # A list whose items failed also reports "too short"; the items' own errors say more.
    return [
        error
        for kind, error in found
        if kind != "too_short"
        or not any(other.path.startswith(error.path + ".") for _, other in found)
    ]


def _from_pydantic(error: Any) -> FieldError:
    loc = list(error["loc"])
    # A discriminated union puts the tag into the path (condition.bands.bands.1); drop it.
    kept: list[str] = []
    for i, part in enumerate(loc):
        holder = loc[i - 1] if i else None
        in_list = i >= 2 and isinstance(holder, int) and loc[i - 2] == "conditions"
        if part in CONDITION_TYPES and (holder == "condition" or in_list):
            continue
        kept.append(str(part))
    return FieldError(".".join(kept) or "(rule)", _lower_first(str(error["msg"])))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def check_rule(
    rule: Rule, taxonomy: Taxonomy, models: Mapping[str, ThingModel] | None
) -> Iterator[FieldError]:
    try:
        taxonomy.require(rule.class_code)
    except ConfigError as exc:
        yield FieldError("class_code", str(exc))
    for field in ("message", "message_en", "clear_message"):
        problem = template_problem(getattr(rule, field))
        if problem:
            yield FieldError(field, problem)
    yield from _check_condition(rule.condition, "condition", 1)
    if rule.severity is None:
        yield from _check_severity_given(rule.condition)
    if models is not None:
        yield from _check_models(rule, models)


def template_problem(template: str) -> str | None:
    try:
        list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"not a valid template: {exc}"
    return None


def _check_condition(cond: Condition, path: str, depth: int) -> Iterator[FieldError]:
    if depth > MAX_DEPTH:
        yield FieldError(path, f"conditions nest deeper than {MAX_DEPTH} levels")
        return
    if isinstance(cond, NoData) and depth > 1:
        yield FieldError(f"{path}.type", "no_data can only be a rule's whole condition")
    match cond:
        case Threshold():
            yield from _check_threshold(cond, path)
        case Bands():
            yield from _check_bands(cond, path)
        case Rate() if cond.clear is not None and cond.clear > cond.delta:
            yield FieldError(f"{path}.clear", f"must not exceed delta ({cond.delta:g})")
        case WaterQuality():
            yield from _check_water_quality(cond, path)
        case Sustained():
            yield from _check_condition(cond.condition, f"{path}.condition", depth + 1)
        case AllOf() | AnyOf():
            for i, child in enumerate(cond.conditions):
                yield from _check_condition(child, f"{path}.conditions.{i}", depth + 1)


def _check_threshold(cond: Threshold, path: str) -> Iterator[FieldError]:
    if cond.equals is not None:
        for name in ("op", "value", "clear"):
            if getattr(cond, name) is not None:
                yield FieldError(f"{path}.{name}", "not used together with equals")
        return
    if cond.op is None:
        yield FieldError(f"{path}.op", "required (or give equals)")
        return
    if cond.value is None:
        yield FieldError(f"{path}.value", "required")
        return
    ranged = cond.op in ("between", "outside")
    if ranged != isinstance(cond.value, tuple):
        shape = "[low, high]" if ranged else "a single number"
        yield FieldError(f"{path}.value", f"must be {shape} for op {cond.op!r}")
        return
    if cond.clear is not None and isinstance(cond.clear, tuple) != ranged:
        shape = "[low, high]" if ranged else "a single number"
        yield FieldError(f"{path}.clear", f"must be {shape} for op {cond.op!r}")
        return
    problem = _threshold_problem(cond)
    if problem:
        yield FieldError(f"{path}.{problem[0]}", problem[1])


def _threshold_problem(cond: Threshold) -> tuple[str, str] | None:
    if isinstance(cond.value, tuple):
        return _range_problem(cond.op, cond.value, cond.clear)
    if cond.value is None or cond.clear is None or isinstance(cond.clear, tuple):
        return None
    if cond.op in (">", ">=") and cond.clear > cond.value:
        return "clear", f"must not be above value ({cond.value:g}) for op {cond.op!r}"
    if cond.op in ("<", "<=") and cond.clear < cond.value:
        return "clear", f"must not be below value ({cond.value:g}) for op {cond.op!r}"
    return None


def _range_problem(
    op: str | None, value: tuple[float, float], clear: object
) -> tuple[str, str] | None:
    low, high = value
    if low >= high:
        return "value", "low must be below high"
    if not isinstance(clear, tuple):
        return None
    c_low, c_high = clear
    if op == "between" and not (c_low <= low and c_high >= high):
        return "clear", f"must enclose value: low ≤ {low:g} and high ≥ {high:g}"
    if op == "outside" and not (low <= c_low < c_high <= high):
        return "clear", f"must lie within value [{low:g}, {high:g}]"
    return None


def _check_bands(cond: Bands, path: str) -> Iterator[FieldError]:
    for i in range(1, len(cond.bands)):
        before, band = cond.bands[i - 1], cond.bands[i]
        if band.above <= before.above:
            yield FieldError(f"{path}.bands.{i}.above", "must be greater than the previous band")
        if band.severity.rank <= before.severity.rank:
            yield FieldError(
                f"{path}.bands.{i}.severity", "must be more severe than the previous band"
            )
    if cond.clear >= cond.bands[0].above:
        yield FieldError(f"{path}.clear", f"must be below the first band ({cond.bands[0].above:g})")


def _check_water_quality(cond: WaterQuality, path: str) -> Iterator[FieldError]:
    worse_than = gb3838.class_index(cond.worse_than)
    if worse_than == gb3838.WORSE_THAN_V:
        yield FieldError(f"{path}.worse_than", "no class is worse than 劣V")
    if cond.clear_at is not None and gb3838.class_index(cond.clear_at) > worse_than:
        yield FieldError(f"{path}.clear_at", f"must be {cond.worse_than} or a better class")
    for name in cond.severities:
        if gb3838.class_index(name) <= worse_than:
            yield FieldError(
                f"{path}.severities.{name}",
                f"class {name} is not worse than {cond.worse_than}; it never raises",
            )


def _check_severity_given(cond: Condition) -> Iterator[FieldError]:
    if not grades(cond):
        yield FieldError("severity", "required when the condition does not grade severity")
    elif isinstance(cond, WaterQuality):
        start = gb3838.class_index(cond.worse_than) + 1
        missing = [c for c in gb3838.CLASSES[start:] if c not in cond.severities]
        if missing:
            yield FieldError(
                "condition.severities",
                f"give a severity for {', '.join(missing)} (or a rule severity)",
            )


def grades(cond: Condition) -> bool:
    """Whether the condition sets the severity itself whenever it holds."""
    match cond:
        case Bands() | WaterQuality():
            return True
        case Sustained():
            return grades(cond.condition)
        case AllOf():
            return any(grades(c) for c in cond.conditions)
        case AnyOf():
            return all(grades(c) for c in cond.conditions)
    return False


def properties_of(cond: Condition, path: str = "condition") -> Iterator[tuple[str, str, bool]]:
    """(path, property, needs a number) for every property the condition reads."""
    match cond:
        case Threshold():
            yield f"{path}.property", cond.property, cond.equals is None
        case Rate() | Bands():
            yield f"{path}.property", cond.property, True
        case WaterQuality():
            for parameter, prop in cond.parameters.items():
                yield f"{path}.parameters.{parameter}", prop, True
        case Sustained():
            yield from properties_of(cond.condition, f"{path}.condition")
        case AllOf() | AnyOf():
            for i, child in enumerate(cond.conditions):
                yield from properties_of(child, f"{path}.conditions.{i}")


def _check_models(rule: Rule, models: Mapping[str, ThingModel]) -> Iterator[FieldError]:
    for i, name in enumerate(rule.scope.models):
        if name not in models:
            yield FieldError(f"scope.models.{i}", f"unknown thing model {name!r}")
    named = rule.scope.models
    scoped = [models[m] for m in named if m in models] if named else list(models.values())
    if not scoped:
        return
    for path, prop, numeric in properties_of(rule.condition):
        found = [m.by_id[prop] for m in scoped if prop in m.by_id]
        if not found:
            names = ", ".join(m.id for m in scoped)
            yield FieldError(path, f"{prop!r} is not a property of {names}")
        elif numeric and not any(p.type in NUMERIC for p in found):
            yield FieldError(path, f"{prop!r} is {found[0].type}; compare it with equals")
