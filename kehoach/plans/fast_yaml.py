"""libyaml parsing that reads values exactly as the round-trip parser does (YAML 1.2).

The round-trip parser (ruamel, pure Python) keeps every node's line for error messages but
costs about 0.1 s per plan file: 14.6 s of a province's 19 s start-up. libyaml parses the same
files ten times faster, so a file is parsed here first and re-read with the round-trip parser
only when something in it is wrong (see ``loader.load_checked``).

PyYAML resolves plain scalars by YAML 1.1 (``yes`` is true, ``0900000001`` is octal-ish,
``16:30`` is 990); ruamel by YAML 1.2. The resolver table below is ruamel's 1.2 table and the
integer constructor is 1.2's, so both parsers give the same values; a duplicate key, which
ruamel refuses, makes this parser give up so that ruamel reports it with its line.
"""

from __future__ import annotations

from typing import Any

import yaml
from ruamel.yaml.resolver import implicit_resolvers

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


class Yaml12Loader(_Base):  # type: ignore[misc,valid-type]
    """PyYAML's (C) safe loader with YAML 1.2 scalars and duplicate keys refused."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, Any]]] = {}

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _yaml12_int(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text[0] == "-" else 1
    text = text.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if text.startswith(prefix):
            return sign * int(text[2:], base)
    return sign * int(text)  # 1.2: a leading zero is decimal, not octal


for _versions, _tag, _regexp, _first in implicit_resolvers:
    if (1, 2) in _versions:
        Yaml12Loader.add_implicit_resolver(_tag, _regexp, _first)
Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _yaml12_int)


def load(text: str) -> Any:
    """The data of a YAML text; ``yaml.YAMLError`` (or RecursionError) when libyaml refuses it."""
    return yaml.load(text, Loader=Yaml12Loader)  # noqa: S506  (a safe loader)
