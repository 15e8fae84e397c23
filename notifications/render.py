"""Jinja2 rendering of the Vietnamese templates: kind + context → OutgoingMessage.

Every template lives under ``templates/<kind>/`` (subject.txt, body.html, body.txt, zalo.txt)
and shares its layout through ``_layout.*``, ``_base.*`` and ``_macros.*``. The context is the
JSON-safe dict the domain produced, plus ``unit`` and ``link`` added per recipient.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any, Mapping, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifications.ics import DEADLINE_KINDS, Deadline, build_ics
from notifications.message import OutgoingMessage
from notifications.vietnamese import vi_date

ZALO = "zalo"  # the channel that gets the short zalo.txt text instead of an email body
DIGEST = "digest"

Context = Mapping[str, Any]


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
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
    """One notification for one recipient on one channel."""
    return _message(
        kind, context, [(kind, context)], key=key, channel=channel, to=to, to_name=to_name
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
    deadlines = [d for i, (kind, ctx) in enumerate(items) if (d := _deadline(f"{key}#{i}", kind, ctx))]
    return OutgoingMessage(
        key=key,
        channel=channel,
        to=tuple(to),
        to_name=to_name,
        subject=subject,
        text=env.get_template(f"{template}/body.txt").render(**context).strip() + "\n",
        html=env.get_template(f"{template}/body.html").render(**context),
        attachments=(build_ics(deadlines),) if deadlines else (),
    )


def _deadline(key: str, kind: str, context: Context) -> Deadline | None:
    """The calendar event for a deadline reminder; None for kinds that announce, not demand."""
    if kind not in DEADLINE_KINDS or not context.get("deadline"):
        return None
    plan, item = context["plan"], context["item"]
    verb = "Hạn thực hiện" if kind == "task_reminder" else "Hạn báo cáo"
    return Deadline(
        key=key,
        summary=f"{verb}: {item['title']}",
        day=date.fromisoformat(context["deadline"]),
        description=f"{plan['label']}: {plan['title']}",
        url=context.get("link"),
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
