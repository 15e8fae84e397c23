"""The sums behind a consolidated báo cáo: data-element totals, narratives, computed indicators.

Pure: it takes the plan's data elements and the latest submission values per unit and
returns values. A disaggregated figure is summed per part and its total computed; a flag
counts the units that answered "có"; text is gathered by task and unit. Computed indicators
(the plan's ``computed`` formulas, "computed at roll-up, never submitted") are evaluated only
when their inputs were reported, and not at all when a validation rule flags an input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kehoach.plans import formulas
from kehoach.plans.formulas import Ref
from kehoach.plans.model import ComputedIndicator, Display, Indicator, IndicatorKind, ValidationRule
from kehoach.submissions import rules as rules_module
from kehoach.submissions.rules import Missing
from kehoach.submissions.text import clean_text

WITHHELD = "không tính được vì số liệu chưa hợp lệ, xem mục kiểm tra số liệu"


@dataclass
class IndicatorTotal:
    indicator: Indicator
    total: int = 0
    nam: int | None = None
    nu: int | None = None
    yes: int = 0  # flags: units that answered "có"
    reported_by: list[str] = field(default_factory=list)  # unit ids with a value
    by_unit: dict[str, int] = field(default_factory=dict)
    by_unit_sex: dict[str, tuple[int, int]] = field(default_factory=dict)  # (nam, nữ)
    parts: dict[str, int] = field(default_factory=dict)  # per disaggregation option (nam/nữ included)
    by_unit_parts: dict[str, dict[str, int]] = field(default_factory=dict)  # unit id -> option -> figure

    @property
    def id(self) -> str:
        return self.indicator.id


@dataclass(frozen=True)
class Narrative:
    indicator: Indicator
    unit_id: str
    unit_name: str
    text: str


@dataclass(frozen=True)
class Rate:
    id: str
    label: str
    value: float | str
    unit: str  # "%", "trẻ trai/100 trẻ gái", ""
    note: str = ""
    withheld: bool = False  # an input breaks a validation rule: ``note`` says why there is no value


def sum_indicators(indicators: list[Indicator], values_by_unit: Mapping[str, Mapping[str, Any]]) -> list[IndicatorTotal]:
    """One total per non-text indicator, in the plan's order."""
    totals = []
    for ind in indicators:
        if ind.kind is IndicatorKind.TEXT:
            continue
        t = IndicatorTotal(ind, nam=0 if ind.by_sex else None, nu=0 if ind.by_sex else None,
                           parts={o.id: 0 for o in ind.parts})
        for unit_id, values in values_by_unit.items():
            v = values.get(ind.id)
            if v is None:
                continue
            t.reported_by.append(unit_id)
            if ind.kind is IndicatorKind.FLAG:
                t.yes += 1 if v else 0
                continue
            if ind.parts:
                split = {o.id: int(v.get(o.id, 0)) for o in ind.parts}
                for part, n in split.items():
                    t.parts[part] += n
                t.by_unit[unit_id] = sum(split.values())
                t.by_unit_parts[unit_id] = split
                if ind.by_sex:
                    t.nam, t.nu = t.parts["nam"], t.parts["nu"]
                    t.by_unit_sex[unit_id] = (split["nam"], split["nu"])
            else:
                n = int(v.get("tong", 0)) if isinstance(v, Mapping) else int(v)
                t.by_unit[unit_id] = n
            t.total += t.by_unit[unit_id]
        totals.append(t)
    return totals


def gather_narratives(
    indicators: list[Indicator], values_by_unit: Mapping[str, Mapping[str, Any]], unit_names: Mapping[str, str]
) -> list[Narrative]:
    """Text answers, in the plan's indicator order, then unit order."""
    out = []
    for ind in indicators:
        if ind.kind is not IndicatorKind.TEXT:
            continue
        for unit_id, values in values_by_unit.items():
            text = values.get(ind.id)
            text = clean_text(text).strip() if isinstance(text, str) else ""  # stored before the door cleaned it
            if text:
                out.append(Narrative(ind, unit_id, unit_names.get(unit_id, unit_id), text))
    return out


@dataclass(frozen=True)
class Breach:
    """A validation rule the figures break: one unit's (``unit_id``), or the units' together (None)."""

    rule: ValidationRule
    unit_id: str | None
    unit_name: str
    left: float
    right: float


def _total_value(totals: Mapping[str, IndicatorTotal]) -> Callable[[Ref], float]:
    def value_of(ref: Ref) -> float:
        t = totals.get(ref.element)
        if t is None or not t.reported_by:
            raise Missing(str(ref))
        return t.total if ref.part is None else t.parts.get(ref.part, 0)

    return value_of


def rule_breaches(rules: list[ValidationRule], values_by_unit: Mapping[str, Mapping[str, Any]],
                  totals: list[IndicatorTotal], unit_names: Mapping[str, str]) -> list[Breach]:
    """Each unit's figures against every rule; a rule no single unit can check, against the totals."""
    out: list[Breach] = []
    checked_per_unit: set[int] = set()
    for unit_id, values in values_by_unit.items():
        reported = {k for k, v in values.items() if isinstance(v, Mapping)}
        checked_per_unit |= {n for n, rule in enumerate(rules) if rules_module.names(rule) <= reported}
        for rule, left, right in rules_module.broken(rules, rules_module.unit_value(values)):
            out.append(Breach(rule, unit_id, unit_names.get(unit_id, unit_id), left, right))
    across = [rule for n, rule in enumerate(rules) if n not in checked_per_unit]
    for rule, left, right in rules_module.broken(across, _total_value({t.id: t for t in totals})):
        out.append(Breach(rule, None, "", left, right))
    return out


def computed_rates(computed: list[ComputedIndicator], totals: list[IndicatorTotal],
                   breaches: Sequence[Breach] = ()) -> list[Rate]:
    """The plan's computed indicators whose inputs were reported, in the plan's order.

    An indicator that uses a figure some rule flags is not computed: its value would be
    impossible (a rate above 100 %), so it says why instead.
    """
    value_of = _total_value({t.id: t for t in totals})
    suspect = {name for b in breaches for name in rules_module.names(b.rule)}
    rates: list[Rate] = []
    for ci in computed:
        numerator = formulas.parse(ci.numerator)
        denominator = formulas.parse(ci.denominator) if ci.denominator else None
        inputs = {r.element for r in formulas.refs(numerator) + (formulas.refs(denominator) if denominator else [])}
        try:
            top = ci.factor * formulas.evaluate(numerator, value_of)
            value = top / formulas.evaluate(denominator, value_of) if denominator else top
        except (Missing, ZeroDivisionError):
            continue
        if inputs & suspect:
            rates.append(Rate(ci.id, ci.label, "", "", WITHHELD, withheld=True))
            continue
        caution = rules_module.compare(ci.caution, value_of) if ci.caution else None
        note = ci.caution.note if ci.caution and caution and caution[0] else ""
        if ci.display is Display.YES_NO:
            rates.append(Rate(ci.id, ci.label, "Có" if value > 0 else "Không", ci.unit, note))
        else:
            rates.append(Rate(ci.id, ci.label, round(value, ci.decimals), ci.unit, note))
    return rates

