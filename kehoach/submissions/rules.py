"""Validation rules applied to figures: one unit's submission, or the roll-up's totals.

A rule is checked only when every data element it names has a value, so a unit that reports
victims but not their support (another unit does) is never told it broke the rule; the
roll-up checks those cross-unit rules on the totals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kehoach.plans import formulas
from kehoach.plans.formulas import Ref
from kehoach.plans.model import Comparison, ValidationRule


class Missing(LookupError):
    """A formula names a figure that was not reported."""


def unit_value(values: Mapping[str, Any]) -> Callable[[Ref], float]:
    """A lookup into one unit's stored values (``{"nam": 3, "nu": 4}``, ``{"tong": 5}``)."""

    def value_of(ref: Ref) -> float:
        v = values.get(ref.element)
        if not isinstance(v, Mapping):
            raise Missing(str(ref))
        if ref.part is None:
            return sum(int(x) for x in v.values())
        if ref.part not in v:
            raise Missing(str(ref))
        return int(v[ref.part])

    return value_of


def names(rule: ValidationRule) -> set[str]:
    return {r.element for side in (rule.left, rule.right) for r in formulas.refs(formulas.parse(side))}


def compare(c: Comparison, value_of: Callable[[Ref], float]) -> tuple[bool, float, float] | None:
    """Whether the comparison holds, and both sides; None when a figure is missing."""
    try:
        left = formulas.evaluate(formulas.parse(c.left), value_of)
        right = formulas.evaluate(formulas.parse(c.right), value_of)
    except (Missing, ZeroDivisionError):
        return None
    return c.operator.holds(left, right), left, right


def broken(rules: list[ValidationRule], value_of: Callable[[Ref], float]) -> list[tuple[ValidationRule, float, float]]:
    """The rules the figures break, with both sides; rules with an unreported figure are skipped."""
    out = []
    for rule in rules:
        result = compare(rule, value_of)
        if result is not None and not result[0]:
            out.append((rule, result[1], result[2]))
    return out
