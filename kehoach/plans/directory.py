"""The unit directory: every body that acts or reports, its contacts, and the unit groups.

One directory serves every plan (an org tree: province → Sở / xã → phòng, thôn, trường).
Plans name units and groups by id; ``Directory.resolve`` turns those names into units.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr

from kehoach.plans.contacts import normalise_email, normalise_phone
from kehoach.plans.model import Id

Email = Annotated[str, AfterValidator(normalise_email)]
Phone = Annotated[str, AfterValidator(normalise_phone)]


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    name: str = Field(min_length=1)
    parent: str | None = None
    groups: list[str] = Field(default_factory=list)
    emails: list[Email] = Field(default_factory=list)
    zalo: Phone | None = None
    # The desk phone people call with questions (landline or mobile, as written); reminders
    # of the plans this unit follows up show it under "whom to ask".
    phone: str | None = Field(default=None, min_length=6, max_length=40, pattern=r"^[0-9 +().-]+$")

    @property
    def channels(self) -> tuple[str, ...]:
        """Channels this unit can be reached on, email first."""
        found = []
        if self.emails:
            found.append("email")
        if self.zalo:
            found.append("zalo")
        return tuple(found)


class UnitGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Id
    name: str


# Directory.resolve's answers, by the id of the directory while it lives: kept out of the model,
# whose equality compares its private attributes too.
_RESOLVED: dict[int, dict[tuple[str, ...], tuple[Unit, ...]]] = {}


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: list[UnitGroup] = Field(default_factory=list)
    units: list[Unit] = Field(default_factory=list)
    _units: dict[str, Unit] = PrivateAttr(default_factory=dict)
    _groups: dict[str, UnitGroup] = PrivateAttr(default_factory=dict)
    _members: dict[str, list[Unit]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: object) -> None:
        self._units = {u.id: u for u in self.units}
        self._groups = {g.id: g for g in self.groups}
        self._members = {g.id: [] for g in self.groups}
        for u in self.units:
            for g in u.groups:
                self._members.setdefault(g, []).append(u)

    # The look-ups below read the private indexes through ``__pydantic_private__``: pydantic's
    # ``__getattr__`` for ``self._units`` costs about 40 times a dict look-up, and a province's
    # config and expansion make hundreds of thousands of them.
    def unit(self, unit_id: str) -> Unit:
        return self.__pydantic_private__["_units"][unit_id]  # type: ignore[index,no-any-return]

    def has_unit(self, unit_id: str) -> bool:
        return unit_id in self.__pydantic_private__["_units"]  # type: ignore[index]

    def group(self, group_id: str) -> UnitGroup:
        return self.__pydantic_private__["_groups"][group_id]  # type: ignore[index,no-any-return]

    def is_group(self, ref: str) -> bool:
        return ref in self.__pydantic_private__["_groups"]  # type: ignore[index]

    def knows(self, ref: str) -> bool:
        return self.has_unit(ref) or self.is_group(ref)

    def members(self, group_id: str) -> list[Unit]:
        return list(self.__pydantic_private__["_members"].get(group_id, []))  # type: ignore[index]

    def resolve(self, refs: Iterable[str]) -> list[Unit]:
        """Units named by ids or group ids, each once, in the order first named.

        Kept per list of refs (the directory does not change): a province's year of periods
        names the same few hundred units in each of them.
        """
        named = tuple(refs)
        if (resolved := _RESOLVED.get(id(self))) is None:
            resolved = _RESOLVED[id(self)] = {}
            weakref.finalize(self, _RESOLVED.pop, id(self), None)
        if (found := resolved.get(named)) is None:
            seen: dict[str, Unit] = {}
            for ref in named:
                for u in self.members(ref) if self.is_group(ref) else [self.unit(ref)]:
                    seen.setdefault(u.id, u)
            found = resolved[named] = tuple(seen.values())
        return list(found)

    def includes(self, refs: Iterable[str], unit_id: str) -> bool:
        """Whether ``refs`` name ``unit_id`` (itself or a group of it), without listing every unit they name.

        Asked once per notification when a dispatch briefs it: resolving a 500-unit list each
        time was a sixth of a province's kickoff.
        """
        if not self.has_unit(unit_id):
            return False
        mine = {unit_id, *self.unit(unit_id).groups}
        return any(ref in mine for ref in refs)

    def label(self, ref: str) -> str:
        """The Vietnamese name of a unit or a group."""
        return self.group(ref).name if self.is_group(ref) else self.unit(ref).name
