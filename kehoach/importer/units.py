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
from kehoach.importer.vocabulary import ABBREVIATIONS, LEVELS, NAME_NOISE, NAME_PREFIXES, UNIT_HEADS
from kehoach.plans.directory import Directory

SURE = 90.0  # at or above: matched
MAYBE = 78.0  # at or above (and below SURE): matched, marked for review; below: proposed
_ORDINAL = re.compile(r"^(?:\d+|i{1,3}|iv|v|vi{1,3}|ix|x)$")
_ABBREVIATION = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")\b")
_HEAD_WORDS = ("so", "cuc", "chi cuc", "tong cuc", "vien", "bo")
_UPPER_LEVELS = ("tinh", "thanh pho")
# "và" joins two bodies only before a body's head word ("Văn phòng HĐND và UBND" is one body)
_LIST_SEPARATORS = re.compile(r"(,|\s+(?:và|với)\s+(?=(?:Phòng|Văn phòng|Công an|Trạm|Trung tâm|Sở|Ban|Hội|Đoàn|Trường|"
                              r"Chi cục|Cục|Bệnh viện)\b))")
_BOILERPLATE = {"cac", "tren", "dia", "ban", "thuoc", "truc", "va", "cua", "trong", "don", "vi", "co", "quan"}


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
        self.level: str | None = None  # "xa", "phuong", "tinh" …: how the issuer's documents say "our"
        self.proposed: dict[str, Match] = {}
        self._cache: dict[tuple[str | None, str], Match | None] = {}
        self._groups = {g.id for g in directory.groups}
        self._localities = _localities([u.name for u in directory.units])
        self._candidates = self._build()

    def set_issuer(self, issuer: str, place: str | None = None, level: str | None = None) -> None:
        """Scope matching to the issuer's subtree and learn how its documents shorten names."""
        self.issuer = issuer
        self.level = level
        self._cache.clear()
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
            bare = " ".join(w for w in full.split() if w not in _levels(full))
            with_place = max(fuzz.ratio(placed, full), fuzz.ratio(placed, bare))
            key = (max(with_place, *(fuzz.ratio(plain, a) for a in {full, *c.aliases})), with_place)
            if best is None or key > best[0]:
                best = (key, Match(phrase, c.ref, c.name, key[0]))
        return best[1] if best and best[1].score >= SURE else None

    def match(self, phrase: str) -> Match:
        """One name → the best unit or group, or a proposed unit when nothing is close enough."""
        phrase = clean(phrase).strip(" .;,:-")
        found = self._best(phrase)
        if found is not None and found.score >= MAYBE:
            return found
        return self.propose(phrase)

    def match_list(self, value: str) -> list[Match]:
        """A written list ("Văn phòng Sở, Phòng Nghiệp vụ I, II"; "A; B") → its units, in order."""
        out: list[Match] = []
        for chunk in re.split(r"[;\n]", value):
            tokens = re.split(_LIST_SEPARATORS, clean(chunk).strip(" .;,:"))
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
                    j = i + 1
                    if not self._known(parts[i]):  # an unknown name runs on over parts that are no name of their own
                        while j < len(parts) and not self._known(parts[j]) and not _headed(parts[j]):
                            j += 1
                    text = parts[i] + "".join(seps[k] + parts[k + 1] for k in range(i, j - 1))
                    if text.strip():
                        chosen = self.match(text)
                    i = j
                if chosen is not None and chosen.ref not in {m.ref for m in out}:
                    out.append(chosen)
        return out

    def _known(self, phrase: str) -> bool:
        found = self._best(phrase)
        return found is not None and found.score >= MAYBE

    def _best(self, phrase: str) -> Match | None:
        """The closest candidate, remembered per phrase: a long plan names the same bodies again and again."""
        key = (self.issuer, phrase)
        if key not in self._cache:
            self._cache[key] = self._closest(phrase)
        return self._cache[key]

    def _closest(self, phrase: str) -> Match | None:
        ranked = self._ranked(phrase)
        if not ranked:
            return None
        (_, score, c), rest = ranked[0], ranked[1:]
        if rest and rest[0][0] >= ranked[0][0] - 1 and rest[0][2].rank == c.rank:
            score = min(score, SURE - 1)  # two bodies fit as well: never a silent pick
        return Match(phrase, c.ref, c.name, score)

    def candidates(self, phrase: str, n: int = 5) -> list[Match]:
        """The ``n`` directory units or groups closest to a name, best first: what a clerk picks from."""
        return [Match(phrase, c.ref, c.name, score) for _, score, c in self._ranked(clean(phrase).strip(" .;,:-"))[:n]]

    def _ranked(self, phrase: str) -> list[tuple[float, float, _Candidate]]:
        """(rank-weighted score, score, candidate) for every candidate the name may mean, best first."""
        queries = _query_forms(normal(phrase), self._localities, self.level)
        level = _levels(normal(phrase))
        if not queries:
            return []
        ranked = []
        named = f" {normal(phrase)} "
        for c in self._candidates:
            if c.rank == 2 and not any(f" {p} " in f" {a} " and f" {p} " in named
                                       for a in c.aliases for p in self._localities):
                continue  # another office's body is named with its place, or not at all
            score = max(_score(q, a, level) for q in queries for a in c.aliases)
            ranked.append((score - 4 * c.rank, score, c))
        ranked.sort(key=lambda r: r[0], reverse=True)
        return ranked

    def propose(self, phrase: str) -> Match:
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
            rank = rank_of[u.id]
            out.append(_Candidate(u.id, u.name, rank, self._aliases(u.name, issuer_short, rank)))
        for g in self.directory.groups:
            rank = min([rank_of[m.id] for m in self.directory.members(g.id)], default=2)
            out.append(_Candidate(g.id, g.name, rank, self._aliases(g.name, issuer_short, rank)))
        return out

    def _aliases(self, name: str, issuer_short: str | None, rank: int) -> set[str]:
        """Forms a document may write the name in. Another office's body is written in full (or,
        for a province's Sở, without its province): short forms belong to the issuer's own."""
        base = normal(name)
        if rank == 2:
            return {base}
        forms = {base, _without_place(base, self._localities, True), _without_place(base, self._localities, False)}
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
    """The name without its place; with ``drop_level`` a province or city level goes too
    ("Sở Nội vụ tỉnh Đồng Tháp" → "Sở Nội vụ"), while a commune keeps its word ("Công an xã")."""
    out = name
    for place in sorted(localities, key=len, reverse=True):
        pattern = rf"\s*\b(?:{'|'.join(_UPPER_LEVELS)})\s+{re.escape(place)}\b" if drop_level else rf"\s*\b{re.escape(place)}\b"
        out = re.sub(pattern, "", out)
    return re.sub(r"\s+", " ", out).strip()


def _query_forms(q: str, localities: set[str], level: str | None) -> set[str]:
    forms = {q}
    for prefix in NAME_PREFIXES:
        if q.startswith(prefix + " "):
            forms.add(q[len(prefix) + 1:])
    forms |= {_without_place(f, localities, False) for f in list(forms)}
    if level:
        forms |= {re.sub(rf"\s+{level}$", "", f) for f in list(forms)}
    return {f for f in forms if f}


def _score(query: str, alias: str, q_level: set[str]) -> float:
    """rapidfuzz ratio averaged with the token-set ratio (word order and extra words matter less),
    vetoed when the names differ in what tells bodies apart: a number ("Phòng Nghiệp vụ I" / "II"),
    the level ("Công an xã" / "Công an phường") or every word past the boilerplate ("Các khu
    phố trên địa bàn" / "Các trường học trên địa bàn")."""
    q_words, a_words = query.split(), alias.split()
    if {t for t in q_words if _ORDINAL.match(t)} != {t for t in a_words if _ORDINAL.match(t)}:
        return 50.0
    a_level = _levels(alias)
    if q_level and a_level and q_level != a_level:
        return 50.0
    q_core = " ".join(w for w in q_words if w not in _BOILERPLATE)
    a_core = " ".join(w for w in a_words if w not in _BOILERPLATE)
    if q_core and a_core and fuzz.token_set_ratio(q_core, a_core) < 60:
        return 50.0
    return (fuzz.ratio(query, alias) + fuzz.token_set_ratio(query, alias)) / 2


def _levels(name: str) -> set[str]:
    """Level words of a folded name ("xa", "phuong" …); "xã hội" is no level."""
    padded = f" {name} ".replace(" xa hoi ", " ")
    return {level for level in LEVELS if f" {level} " in padded and level != "tp"}


def _headed(text: str) -> bool:
    return words(text).startswith(UNIT_HEADS)


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
