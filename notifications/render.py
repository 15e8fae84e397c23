"""Jinja2 rendering of the Vietnamese templates: kind + context → OutgoingMessage.

Every template lives under ``templates/<kind>/`` (subject.txt, body.html, body.txt, zalo.txt)
and shares its layout through ``_layout.*``, ``_base.*`` and ``_macros.*``. The context is the
JSON-safe dict the domain produced, plus ``unit`` and ``link`` added per recipient.
"""

from __future__ import annotations

import html
import json
import mimetypes
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.ics import DEADLINE_KINDS, Deadline, build_ics
from notifications.message import Attachment, OutgoingMessage
from notifications.vietnamese import vi_date

ZALO = "zalo"  # the channel that gets the short zalo.txt text instead of an email body
DIGEST = "digest"

Context = Mapping[str, Any]

# Per-recipient values are rendered as these markers, then substituted (see render_message).
_UNIT_ID, _UNIT_NAME, _LINK = "\x1fu\x1f", "\x1fn\x1f", "\x1fl\x1f"
_MARK = "\x1f"
_RENDERED: OrderedDict[tuple[str, str, bool, str], OutgoingMessage] = OrderedDict()
_RENDERED_MAX = 512


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # templates ship with the package; no stat() per message
    )
    env.filters["vi_date"] = vi_date
    return env


def render_subject(kind: str, context: Context) -> str:
    """One line: newlines collapse to spaces so a subject can never inject a header."""
    text = environment().get_template(f"{kind}/subject.txt").render(**context)
    return " ".join(text.split())


def render_message(
    kind: str, context: Context, *, key: str, channel: str, to: Sequence[str], to_name: str
) -> OutgoingMessage:
    """One notification for one recipient on one channel.

    Every recipient of an event shares its context but for ``unit`` and ``link``, and the
    templates are the costly part of a dispatch. So the message is rendered once per event
    and channel with markers in place of the unit and the link, kept, and personalised by
    substitution (HTML-escaped in the HTML part). A template that transforms those values
    would leave a marker behind: such a message is rendered in full instead.
    """
    unit = context.get("unit")
    link = context.get("link")
    shared = {k: v for k, v in context.items() if k not in ("unit", "link")}
    cache_key = (kind, channel, bool(link), json.dumps(shared, sort_keys=True, default=str))
    generic = _RENDERED.get(cache_key)
    if generic is None:
        marked = dict(shared, link=_LINK if link else None)
        if unit is not None:
            marked["unit"] = {"id": _UNIT_ID, "name": _UNIT_NAME}
        generic = _message(kind, marked, [(kind, marked)], key="", channel=channel, to=(), to_name="")
        _RENDERED[cache_key] = generic
        if len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    values = {_UNIT_ID: str((unit or {}).get("id", "")), _UNIT_NAME: str((unit or {}).get("name", "")),
              _LINK: str(link or "")}
    msg = _personalise(generic, values, key=key, to=tuple(to), to_name=to_name)
    if any(_MARK in part for part in (msg.subject, msg.text, msg.html or "", *msg.zalo_template_data.values())):
        return _message(kind, context, [(kind, context)], key=key, channel=channel, to=to, to_name=to_name)
    return msg


def _personalise(generic: OutgoingMessage, values: Mapping[str, str], **fields: Any) -> OutgoingMessage:
    def sub(text: str, escape: bool = False) -> str:
        for marker, value in values.items():
            text = text.replace(marker, html.escape(value) if escape else value)
        return text

    return replace(
        generic,
        subject=sub(generic.subject),
        text=sub(generic.text),
        html=sub(generic.html, escape=True) if generic.html is not None else None,
        zalo_template_data={k: sub(v) for k, v in generic.zalo_template_data.items()},
        **fields,
    )


def render_digest(
    items: Sequence[tuple[str, Context]],
    *,
    day: date | str,
    key: str,
    channel: str,
    to: Sequence[str],
    to_name: str,
) -> OutgoingMessage:
    """Several notifications for one recipient on ``day`` as one message, each with its link.

    ``key`` is the key of the first notification, so the Message-ID stays stable.
    """
    if not items:
        raise ValueError(f"empty digest for key {key!r}")
    entries = [{**context, "subject": render_subject(kind, context)} for kind, context in items]
    context: dict[str, Any] = {"day": day, "entries": entries}
    if "unit" in items[0][1]:
        context["unit"] = items[0][1]["unit"]
    return _message(DIGEST, context, items, key=key, channel=channel, to=to, to_name=to_name)


def _message(
    template: str,
    context: Context,
    items: Sequence[tuple[str, Context]],
    *,
    key: str,
    channel: str,
    to: Sequence[str],
    to_name: str,
) -> OutgoingMessage:
    env = environment()
    subject = render_subject(template, context)
    if channel == ZALO:
        text = env.get_template(f"{template}/zalo.txt").render(**context).strip()
        return OutgoingMessage(
            key=key, channel=channel, to=tuple(to), to_name=to_name, subject=subject, text=text,
            zalo_template_data=_zalo_data(text, context, len(items) == 1),
        )
    deadlines = [d for kind, ctx in items if (d := _deadline(kind, ctx))]
    files = tuple(file_attachment(Path(p)) for p in context.get("files", ()))
    return OutgoingMessage(
        key=key,
        channel=channel,
        to=tuple(to),
        to_name=to_name,
        subject=subject,
        text=env.get_template(f"{template}/body.txt").render(**context).strip() + "\n",
        html=env.get_template(f"{template}/body.html").render(**context),
        attachments=((build_ics(deadlines),) if deadlines else ()) + files,
    )


def file_attachment(path: Path) -> Attachment:
    """A file named in the context (the draft báo cáo, its data), read when the message is built."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(filename=path.name, content_type=content_type, data=path.read_bytes())


def _deadline(kind: str, context: Context) -> Deadline | None:
    """The calendar event for a deadline reminder; None for kinds that announce, not demand.

    Its key names the plan, the item and its period, not the reminder or the recipient, so
    every reminder of one deadline updates the same event in the unit's calendar.
    """
    if kind not in DEADLINE_KINDS or not context.get("deadline"):
        return None
    plan, item = context["plan"], context["item"]
    period = (context.get("period") or {}).get("id", "")
    verb = "Hạn thực hiện" if kind == "task_reminder" else "Hạn báo cáo"
    return Deadline(
        key=f"{plan['id']}/{item['id']}/{period}/{context['deadline']}",
        summary=f"{verb}: {item['title']}",
        day=date.fromisoformat(context["deadline"]),
        description=f"{plan['label']}: {plan['title']}\nĐường dẫn gửi báo cáo có trong thư nhắc.",
    )


def _zalo_data(text: str, context: Context, single: bool) -> dict[str, str]:
    """ZNS template parameters: the rendered text plus the facts a ZNS template may show."""
    unit = context.get("unit") or {}
    data = {"content": text, "unit": str(unit.get("name", ""))}
    if single:
        data |= {
            "plan": f"{context['plan']['label']}: {context['plan']['title']}",
            "item": str(context["item"]["title"]),
            "deadline": vi_date(context.get("deadline")),
            "link": str(context.get("link") or ""),
        }
    return data
