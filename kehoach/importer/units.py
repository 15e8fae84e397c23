"""Names of bodies in the text → unit or group ids of the directory, or a proposed new unit.

Names are compared folded (no accents, lower case), with abbreviations expanded ("VHXH",
"SCN", "UBMTTQ", "Sở TP"), against several forms of each directory name: as written, without
its place ("Công an xã Yết Kiêu" → "Công an xã"), without its level and place ("Sở Nội vụ
tỉnh Đồng Tháp" → "Sở Nội vụ") and with the issuer's own name shortened as its documents
shorten it ("Văn phòng Sở Tư pháp" → "Văn phòng Sở"). Units under the issuer win ties over
units of other offices. A name scoring below ``MAYBE`` is never guessed: it becomes a
proposed unit (a proposed group for a plural phrase such as "Các …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from kehoach.importer.text import clean, slug, words
from kehoach.importer.vocabulary import ABBREVIATIONS, LEVELS, NAME_NOISE, NAME_PREFIXES
from kehoach.plans.directory import Directory

SURE = 90.0  # at or above: matched
MAYBE = 78.0  # at or above (and below SURE): matched, marked for review; below: proposed
_ORDINAL = re.compile(r"^(?:\d+|i{1,3}|iv|v|vi{1,3}|ix|x)$")
_ABBREVIATION = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")\b")
_HEAD_WORDS = ("so", "cuc", "chi cuc", "tong cuc", "vien", "bo")


def normal(text: str) -> str:
    """The comparable form of a name: folded, abbreviations expanded, filler removed."""
    out = _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m[1]], words(text))
    for noise, plain in NAME_NOISE.items():
        out = out.replace(noise, plain)
    return out


@dataclass(frozen=True)
class Match:
    phrase: str
    ref: str
    name: str
    score: float
    proposed: bool = False

    @property
    def doubtful(self) -> bool:
        return not self.proposed and self.score < SURE


@dataclass
class _Candidate:
    ref: str
    name: str
    rank: int  # 0 under the issuer, 1 under the issuer's parent, 2 elsewhere
    aliases: set[str] = field(default_factory=set)


class UnitMatcher:
    """Matches names against one directory, scoped to the plan's issuer once it is known."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.issuer: str | None = None
        self.proposed: dict[str, Match] = {}
        self._cache: dict[tuple[str | None, str], Match | None] = {}
        self._groups = {g.id for g in directory.groups}
        self._localities = _localities([u.name for u in directory.units])
        self._candidates = self._build()

    def set_issuer(self, issuer: str, place: str | None = None) -> None:
        """Scope matching to the issuer's subtree and learn how its documents shorten names."""
        self.issuer = issuer
        if place:
            self._localities.add(normal(place))
        self._candidates = self._build()

    def best_issuer(self, phrase: str, place: str | None) -> Match | None:
        """The directory unit that issues the plan; only units, never groups. The name with the
        plan's place decides between offices of the same kind ("Sở Tư pháp" of which province)."""
        plain = normal(phrase)
        placed = normal(f"{phrase} {place}") if place and normal(place) not in plain else plain
        best: tuple[tuple[float, float], Match] | None = None
        for c in self._candidates:
            if c.ref in self._groups:
                continue
            full = normal(c.name)
            key = (max(fuzz.ratio(plain, a) for a in {full, *c.aliases}), fuzz.ratio(placed, full))
            if best is None or key > best[0]:
                best = (key, Match(phrase, c.ref, c.name, max(key)))
        return best[1] if best and best[1].score >= MAYBE else None

    def match(self, phrase: str) -> Match:
        """One name → the best unit or group, or a proposed unit when nothing is close enough."""
        phrase = clean(phrase).strip(" .;,:-")
        found = self._best(phrase)
        if found is not None and found.score >= MAYBE:
            return found
        return self._propose(phrase)

    def match_list(self, value: str) -> list[Match]:
        """A written list ("Văn phòng Sở, Phòng Nghiệp vụ I, II"; "A; B") → its units, in order."""
        out: list[Match] = []
        for chunk in re.split(r"[;\n]", value):
            tokens = re.split(r"(,|\s+và\s+|\s+với\s+)", clean(chunk).strip(" .;,:"))
            parts = tokens[0::2]
            seps = tokens[1::2]
            parts = _expand_ellipsis(parts)
            i = 0
            while i < len(parts):
                chosen = None
                for j in range(len(parts) - 1, i, -1):
                    text = parts[i] + "".join(seps[k] + parts[k + 1] for k in range(i, j))
                    found = self._best(text)
                    if found is not None and found.score >= SURE:
                        chosen, i = found, j + 1
                        break
                if chosen is None:
                    if parts[i].strip():
                        chosen = self.match(parts[i])
                    i += 1
                if chosen is not None and chosen.ref not in {m.ref for m in out}:
                    out.append(chosen)
        return out

    def _best(self, phrase: str) -> Match | None:
        """The closest candidate, remembered per phrase: a long plan names the same bodies again and again."""
        key = (self.issuer, phrase)
        if key not in self._cache:
            self._cache[key] = self._closest(phrase)
        return self._cache[key]

    def _closest(self, phrase: str) -> Match | None:
        queries = _query_forms(normal(phrase), self._localities)
        if not queries:
            return None
        best: tuple[float, Match] | None = None
        for c in self._candidates:
            score = max(_score(q, a) for q in queries for a in c.aliases)
            effective = score - 4 * c.rank
            if best is None or effective > best[0]:
                best = (effective, Match(phrase, c.ref, c.name, score))
        return best[1] if best else None

    def _propose(self, phrase: str) -> Match:
        plural = words(phrase).startswith(("cac ", "nhung ", "toan the "))
        prefix = self.issuer or "moi"
        ref = f"{prefix}-{slug(phrase, 50)}"
        m = Match(phrase, ref, phrase[:1].upper() + phrase[1:], 0.0, proposed=True)
        self.proposed.setdefault(ref, m)
        if plural:
            self._groups.add(ref)
        return self.proposed[ref]

    def is_group(self, ref: str) -> bool:
        return ref in self._groups

    def _build(self) -> list[_Candidate]:
        parents = {u.id: u.parent for u in self.directory.units}
        rank_of: dict[str, int] = {}
        issuer_parent = parents.get(self.issuer) if self.issuer else None
        for u in self.directory.units:
            rank_of[u.id] = 2
            chain, ref = [], u.id
            while ref is not None and ref not in chain:
                chain.append(ref)
                ref = parents.get(ref)
            if self.issuer in chain:
                rank_of[u.id] = 0
            elif issuer_parent is not None and issuer_parent in chain:
                rank_of[u.id] = 1
        issuer_short = None
        if self.issuer and self.directory.has_unit(self.issuer):
            issuer_short = _without_place(normal(self.directory.unit(self.issuer).name), self._localities, True)
        out = []
        for u in self.directory.units:
            out.append(_Candidate(u.id, u.name, rank_of[u.id], self._aliases(u.name, issuer_short)))
        for g in self.directory.groups:
            members = [rank_of[m.id] for m in self.directory.members(g.id)]
            out.append(_Candidate(g.id, g.name, min(members, default=2), self._aliases(g.name, issuer_short)))
        return out

    def _aliases(self, name: str, issuer_short: str | None) -> set[str]:
        base = normal(name)
        forms = {base, _without_place(base, self._localities, False), _without_place(base, self._localities, True)}
        if issuer_short:
            head = next((h for h in _HEAD_WORDS if issuer_short.startswith(h + " ")), None)
            if head:
                forms |= {f.replace(issuer_short, head) for f in forms}
        return {f for f in forms if f}


def _localities(names: list[str]) -> set[str]:
    """Place names found after a level word in the directory ("tỉnh Lạng Sơn" → "lang son")."""
    found = set()
    for name in names:
        raw = name.split()
        for i, w in enumerate(raw[:-1]):
            level = words(w)
            two = words(" ".join(raw[i:i + 2]))
            start = i + 2 if two in LEVELS and i + 2 < len(raw) else (i + 1 if level in LEVELS else None)
            if start is None:
                continue
            place = []
            for word in raw[start:]:
                if not word[:1].isupper():
                    break
                place.append(word)
            if place:
                found.add(words(" ".join(place)))
    return found


def _without_place(name: str, localities: set[str], drop_level: bool) -> str:
    out = name
    for place in sorted(localities, key=len, reverse=True):
        levels = "|".join(LEVELS)
        pattern = rf"\s*\b(?:{levels})\s+{re.escape(place)}\b" if drop_level else rf"\s*\b{re.escape(place)}\b"
        out = re.sub(pattern, "", out)
    return re.sub(r"\s+", " ", out).strip()


def _query_forms(q: str, localities: set[str]) -> set[str]:
    forms = {q}
    for prefix in NAME_PREFIXES:
        if q.startswith(prefix + " "):
            forms.add(q[len(prefix) + 1:])
    forms |= {_without_place(f, localities, False) for f in list(forms)}
    forms |= {re.sub(rf"\s+(?:{'|'.join(LEVELS)})$", "", f) for f in list(forms)}
    return {f for f in forms if f}


def _score(query: str, alias: str) -> float:
    """rapidfuzz ratio averaged with the token-set ratio (word order and extra words matter less), except that names differing in a number ("Phòng Nghiệp vụ I" / "II") never match."""
    q_ord = {t for t in query.split() if _ORDINAL.match(t)}
    a_ord = {t for t in alias.split() if _ORDINAL.match(t)}
    score = (fuzz.ratio(query, alias) + fuzz.token_set_ratio(query, alias)) / 2
    return min(score, 50.0) if q_ord != a_ord else score


def _expand_ellipsis(parts: list[str]) -> list[str]:
    """"Phòng Nghiệp vụ I, II" → "Phòng Nghiệp vụ I", "Phòng Nghiệp vụ II"."""
    out: list[str] = []
    for part in parts:
        bare = part.strip()
        if out and _ORDINAL.match(words(bare)) and bare:
            previous = out[-1].strip().split()
            if previous and _ORDINAL.match(words(previous[-1])):
                out.append(" ".join(previous[:-1] + [bare]))
                continue
        out.append(part)
    return out
