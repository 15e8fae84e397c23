"""The draft as a plan YAML file, every uncertain value followed by "# CẦN XEM LẠI: …".

Proposed units go to a second file beside the plan, in the directory's own shape, so an
office can review them and paste them into ``config/contacts.yaml`` (or add them in the
console); once they are there, the draft passes ``kehoach validate``.
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kehoach.importer.draft import Draft

REVIEW = "CẦN XEM LẠI"
_FLOW_KEYS = {"lead", "coordinating", "units"}


def plan_yaml(draft: Draft, source: str) -> str:
    """The plan file's text."""
    root = _commented(draft.data)
    header = [f"Bản nháp nhập tự động từ {source} bằng `kehoach import`.",
              "Đối chiếu với văn bản gốc; mọi giá trị chưa chắc chắn có ghi chú " + REVIEW + "."]
    header += [f"{REVIEW}: {note}" for note in draft.notes]
    if draft.proposed:
        header.append(f"{REVIEW}: {len(draft.proposed)} đơn vị chưa có trong danh bạ, xem tệp đơn vị đề xuất.")
    root.yaml_set_start_comment("\n".join(header))
    for path, reason in _merged(draft.reviews):
        _comment(root, path, f"{REVIEW}: {reason}")
    return _dump(root)


def proposed_yaml(draft: Draft) -> str:
    """The units and groups the draft names but the directory lacks, ready for contacts.yaml."""
    groups = [{"id": m.ref, "name": m.name} for m in draft.proposed if m.ref in draft.proposed_groups]
    units = [{"id": m.ref, "name": m.name, "parent": draft.data["issuer"]}
             for m in draft.proposed if m.ref not in draft.proposed_groups and m.ref != draft.data["issuer"]]
    units += [{"id": m.ref, "name": m.name} for m in draft.proposed if m.ref == draft.data["issuer"]]
    root = _commented({"groups": groups, "units": units})
    root.yaml_set_start_comment(f"{REVIEW}: đơn vị do `kehoach import` đề xuất; bổ sung email/Zalo rồi thêm vào danh bạ.")
    return _dump(root)


def _merged(reviews: list[tuple[tuple[str | int, ...], str]]) -> list[tuple[tuple[str | int, ...], str]]:
    out: dict[tuple[str | int, ...], list[str]] = {}
    for path, reason in reviews:
        if reason not in out.setdefault(path, []):
            out[path].append(reason)
    return [(p, "; ".join(r)) for p, r in out.items()]


def _commented(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            if v is None and k not in ("number",):
                continue
            m[k] = _commented(v, k)
        return m
    if isinstance(value, list):
        seq = CommentedSeq(_commented(v) for v in value)
        if key in _FLOW_KEYS and all(isinstance(v, str) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def _comment(root: Any, path: tuple[str | int, ...], text: str) -> None:
    node = root
    for step in path[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    if isinstance(node, CommentedMap) and last not in node:
        return
    if isinstance(node, (CommentedMap, CommentedSeq)):
        value = node[last]
        if isinstance(value, CommentedSeq) and value.fa.flow_style() is False and len(value):
            value.yaml_set_comment_before_after_key(0, before=text, indent=_indent(path) + 2)
        elif isinstance(value, CommentedMap) and len(value):
            value.yaml_set_start_comment(text, indent=_indent(path) + 2)
        else:
            node.yaml_add_eol_comment(text, last)


def _indent(path: tuple[str | int, ...]) -> int:
    return 2 * sum(1 for step in path if isinstance(step, str))


def _dump(root: Any) -> str:
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue()
