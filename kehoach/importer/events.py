"""Campaigns (the Action Month and the like) and occasions (8/3, 28/6, 20/10 …) a plan names.

A campaign is found by the words that open its name ("Tháng hành động vì …") and dated by
the range written next to it ("từ ngày 15/11 đến ngày 15/12"); when the plan does not write
the dates, the campaign's usual dates are proposed and marked. An occasion is a named day
("ngày Gia đình Việt Nam (28/6)") whose date is fixed by law or custom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kehoach.importer.text import clean, fold
from kehoach.importer.timing import RANGE, DayMonthYear, _dmy
from kehoach.importer.vocabulary import CAMPAIGNS, OCCASIONS

_QUOTES = "\"“”'‘’"
_NAME_END = re.compile(r"\s*(?:\(|\bnam \d{4}\b|\btu ngay\b|\btu \d|\bbao dam\b|\bdam bao\b|\btheo huong\b|\bdo\b"
                       r"|\bnham\b|\bgan voi\b|[;:.\"“”])")


@dataclass
class CampaignText:
    key: str
    title: str
    start: DayMonthYear | None = None
    end: DayMonthYear | None = None
    quoted: bool = False
    reviews: dict[str, str] = field(default_factory=dict)


@dataclass
class OccasionText:
    key: str
    title: str
    day: int
    month: int
    context: int  # index of the text it was found in


def find_campaigns(texts: list[str]) -> list[CampaignText]:
    """One campaign per name, dated by the nearest written range; a bare "tháng hành động"
    belongs to the named campaign found before it."""
    found: dict[str, CampaignText] = {}
    keys = sorted(CAMPAIGNS, key=len, reverse=True)
    for text in texts:
        text = " ".join(text.split())
        folded = fold(text)
        if len(folded) != len(text):
            continue
        for key in keys:
            for m in re.finditer(re.escape(key), folded):
                specific = next((k for k in keys if CAMPAIGNS[k] and folded.startswith(k, m.start())), None)
                if key != specific and specific is not None:
                    continue
                rest = folded[m.start():]
                end = _NAME_END.search(rest, len(key))
                title = clean(text[m.start():m.start() + (end.start() if end else len(rest))]).rstrip(" ,")
                quoted = m.start() > 0 and text[m.start() - 1] in _QUOTES
                rng = RANGE.search(folded, m.start())
                group = specific or (next(iter(found)) if found else key)
                c = found.setdefault(group, CampaignText(group, title, quoted=quoted))
                if (quoted and not c.quoted) or (len(title) > len(c.title) and not c.quoted):
                    c.title, c.quoted = title, quoted or c.quoted
                if rng and c.start is None and rng.start() - m.end() < 200:
                    c.start, c.end = _dmy(rng.groups()[:3]), _dmy(rng.groups()[3:])
    for key, c in list(found.items()):
        usual = CAMPAIGNS.get(key)
        if c.start is None or c.end is None:
            if usual is None:
                del found[key]
                continue
            c.start, c.end = DayMonthYear(usual[0], usual[1]), DayMonthYear(usual[2], usual[3])
            c.reviews["start"] = "kế hoạch không ghi ngày của đợt; lấy theo thời gian thường lệ"
    return list(found.values())


def find_occasions(texts: list[str]) -> list[OccasionText]:
    """Named days, each once, with the index of the first text naming it."""
    out: dict[str, OccasionText] = {}
    for i, text in enumerate(texts):
        folded = fold(text)
        for key, (day, month, title) in OCCASIONS.items():
            if re.search(rf"\bngay\s+{re.escape(key)}\b", folded) and key not in out:
                out[key] = OccasionText(key, title, day, month, i)
    return sorted(out.values(), key=lambda o: (o.month, o.day))
