"""Section IV (Tổ chức thực hiện): which body is given which duties.

A duty is either a heading naming a body with its duties beneath ("1. Phòng Văn hóa - Xã
hội xã" / "- Chủ trì, hướng dẫn …") or one paragraph opening with the body ("Văn phòng Sở có
trách nhiệm theo dõi, đôn đốc …"). From the duties come the plan's units, the default lead
of items that name none (the body that "chủ trì" or "triển khai" the plan), and the office
(the body that follows up and compiles).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kehoach.importer.items import Item
from kehoach.importer.text import fold, words
from kehoach.importer.units import SURE, Match, UnitMatcher
from kehoach.importer.vocabulary import UNIT_HEADS

# Where the body's name ends in a duty paragraph: the first verb of the duty.
_VERB = re.compile(
    r"\s(?:can cu|co trach nhiem|chu tri|phoi hop|chu dong|to chuc|thuc hien|theo doi|tham muu|trien khai|"
    r"huong dan|tang cuong|tiep tuc|xay dung|bao dam|dam bao|kip thoi|nghien cuu|tuyen truyen|quan tam|"
    r"chi dao|giam sat|lam dau moi|la co quan)\b|[:;]")


@dataclass
class Duty:
    number: str
    units: list[Match]
    heading: str
    lines: list[str]
    per_unit: bool  # a heading naming a body, its duties beneath

    @property
    def text(self) -> str:
        return " ".join([self.heading, *self.lines])


def read_duties(items: list[Item], matcher: UnitMatcher) -> list[Duty]:
    duties = []
    for item in items:
        body = item.body + [c.title for c in item.children] + [b for c in item.children for b in c.body]
        title = item.title
        if body and _names_a_body(title, matcher):
            title = title.rstrip(" :")
            duties.append(Duty(item.number, matcher.match_list(title), title, body, True))
            continue
        text = " ".join([title, *body])
        cut = _VERB.search(fold(text))
        subject = text[:cut.start()] if cut else ""
        units = matcher.match_list(subject) if subject and len(subject.split()) <= 15 else []
        duties.append(Duty(item.number, [u for u in units if not u.proposed or _headed(subject)], title, body, False))
    return duties


def _headed(text: str) -> bool:
    return words(text).startswith(UNIT_HEADS)


def _names_a_body(title: str, matcher: UnitMatcher) -> bool:
    """A short heading that matches the directory outright, or starts as a body's name does
    and holds no verb of a duty (an unknown body, to be proposed)."""
    title = title.rstrip(" :")
    if not title or len(title.split()) > 20:
        return False
    found = matcher.match_list(title)
    if found and all(not m.proposed and m.score >= SURE for m in found):
        return True
    specific = _headed(title) and not words(title).startswith(("cac ", "nhung "))
    return specific and not _VERB.search(fold(title)) and bool(found)


def plan_units(duties: list[Duty]) -> list[str]:
    """Every body named in Tổ chức thực hiện, in order, once."""
    out: list[str] = []
    for d in duties:
        for m in d.units:
            if m.ref not in out:
                out.append(m.ref)
    return out


def default_lead(duties: list[Duty]) -> list[str]:
    """Who leads an item that names no lead: the body that "chủ trì" the plan, else the one
    told to "triển khai" it, else the first body named."""
    named = [d for d in duties if d.units]
    for test in (_leads_a_line, lambda d: "chu tri" in fold(d.text),
                 lambda d: "trien khai" in fold(d.text) and ("ke hoach" in fold(d.text) or "noi dung" in fold(d.text))):
        for d in named:
            if test(d):
                return [m.ref for m in d.units]
    return [m.ref for m in named[0].units] if named else []


def _leads_a_line(d: Duty) -> bool:
    return any(fold(line).startswith("chu tri") for line in d.lines)


def office(duties: list[Duty], via: Match | None, is_group: Callable[[str], bool]) -> Match | None:
    """The body that follows up and compiles: named as the channel of reports ("qua …"), else
    the one told to "tổng hợp" or "theo dõi, đôn đốc"."""
    if via is not None and not is_group(via.ref):
        return via
    for words_ in (("tong hop",), ("theo doi", "don doc"), ("don doc",)):
        for d in duties:
            singles = [m for m in d.units if not is_group(m.ref)]
            if len(singles) == 1 and all(w in fold(d.text) for w in words_):
                return singles[0]
    return None
