"""Jinja2 rendering of the Vietnamese templates: kind + context → OutgoingMessage.

Every template lives under ``templates/<kind>/`` (subject.txt, body.html, body.txt, zalo.txt)
and shares its layout through ``_layout.*``, ``_base.*`` and ``_macros.*``. The context is the
JSON-safe dict the domain produced, plus ``unit`` and ``link`` added per recipient.
"""

from __future__ import annotations

import json
import mimetypes
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from markupsafe import escape as escape_html

from notifications.ics import DEADLINE_KINDS, Deadline, build_ics, event_uid
from notifications.message import Attachment, OutgoingMessage
from notifications.vietnamese import vi_date

ZALO = "zalo"  # the channel that gets the short zalo.txt text instead of an email body
DIGEST = "digest"
CANCEL_KIND = "calendar_cancel"

Context = Mapping[str, Any]

# Per-recipient values are rendered as these markers, then substituted (see render_message).
_UNIT_ID, _UNIT_NAME, _LINK = "\x1fu\x1f", "\x1fn\x1f", "\x1fl\x1f"
_MARK = "\x1f"
# Context keys that differ between recipients of one event and are not rendered from the
# cache: the unit and its link are substituted, the thread's Message-IDs go to headers.
_PER_RECIPIENT = frozenset({"unit", "link", "references"})
_RENDERED: OrderedDict[tuple[str, str, bool, str], OutgoingMessage] = OrderedDict()
_RENDERED_MAX = 512
_ENTRIES: OrderedDict[tuple[str, int, bool, str], str] = OrderedDict()  # a digest's entries (DigestEntries)
_SUBJECTS: OrderedDict[tuple[str, str], str] = OrderedDict()


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
    env.filters["item_period"] = item_period
    return env


def item_period(context: Context) -> str:
    """An item's title with its period, said once: "Báo cáo kết quả 6 tháng đầu năm 2026", and
    the period alone when it already holds the title (a campaign titled "… năm 2026" must not
    read "… năm 2026 năm 2026")."""
    title = str(context["item"]["title"])
    label = str((context.get("period") or {}).get("label") or "")
    if not label or label in title:
        return title
    return label if title in label else f"{title} {label}"


def render_subject(kind: str, context: Context) -> str:
    """One line: newlines collapse to spaces so a subject can never inject a header."""
    text = environment().get_template(f"{kind}/subject.txt").render(**context, this=context)
    return " ".join(text.split())


def render_message(
    kind: str, context: Context, *, key: str, channel: str, to: Sequence[str], to_name: str, shortcut: bool = True,
) -> OutgoingMessage:
    """One notification for one recipient on one channel.

    Every recipient of an event shares its context but for ``unit`` and ``link``, and the
    templates are the costly part of a dispatch. So the message is rendered once per event
    and channel with markers in place of the unit and the link, kept, and personalised by
    substitution (HTML-escaped in the HTML part). A template that transforms those values
    would leave a marker behind: such a message is rendered in full instead, and so is every
    message with ``shortcut`` off (to the same bytes).
    """
    if not shortcut:
        return _message(kind, context, [(kind, context)], key=key, channel=channel, to=to, to_name=to_name)
    unit = context.get("unit")
    link = context.get("link")
    shared = {k: v for k, v in context.items() if k not in _PER_RECIPIENT}
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
    uids = {}
    if generic.attachments and (d := _deadline(kind, shared, _UNIT_ID)):
        uids[d.uid.encode()] = _deadline(kind, shared, values[_UNIT_ID]).uid.encode()  # type: ignore[union-attr]
    msg = _personalise(generic, values, uids, key=key, to=tuple(to), to_name=to_name)
    if any(_MARK in part for part in (msg.subject, msg.text, msg.html or "", *msg.zalo_template_data.values())):
        return _message(kind, context, [(kind, context)], key=key, channel=channel, to=to, to_name=to_name)
    return msg


def _personalise(generic: OutgoingMessage, values: Mapping[str, str], uids: Mapping[bytes, bytes],
                 **fields: Any) -> OutgoingMessage:
    """The generic message for one recipient; ``uids`` maps the calendar event's UID for the
    marker unit to the recipient's (both the same length, so the .ics lines stay folded)."""
    def sub(text: str, escape: bool = False) -> str:
        return _fill(text, values, escape)

    def sub_bytes(data: bytes) -> bytes:
        for old, new in uids.items():
            data = data.replace(old, new)
        return data

    return replace(
        generic,
        subject=sub(generic.subject),
        text=sub(generic.text),
        html=sub(generic.html, escape=True) if generic.html is not None else None,
        zalo_template_data={k: sub(v) for k, v in generic.zalo_template_data.items()},
        attachments=tuple(replace(a, data=sub_bytes(a.data)) if uids else a for a in generic.attachments),
        **fields,
    )


def _fill(text: str, values: Mapping[str, str], escape: bool = False) -> str:
    """``text`` with each marker replaced by its value, escaped in HTML as Jinja2 escapes it."""
    for marker, value in values.items():
        text = text.replace(marker, str(escape_html(value)) if escape else value)
    return text


def _cached(cache: OrderedDict[Any, str], key: Any, make: Callable[[], str]) -> str:
    """``cache[key]``, made by ``make()`` when missing; the oldest entries go past ``_RENDERED_MAX * 8``."""
    if (found := cache.get(key)) is None:
        found = cache[key] = make()
        if len(cache) > _RENDERED_MAX * 8:
            cache.popitem(last=False)
    return found


class DigestEntries:
    """A digest's entries as its body templates place them: ``entry.html(e, index)``,
    ``entry.txt(e, index)`` (templates ``digest/entry.*``).

    Units that share an event get the same entry but for their unit and link, and the entries
    are most of a digest's rendering: each is rendered once per event, place in the digest
    and whether the digest names one plan, with markers in place of the unit and the link,
    kept, and personalised by substitution, as ``render_message`` does. An entry whose
    template transformed a marker is rendered in full; so is every entry with ``shortcut`` off.
    """

    def __init__(self, plan: Context | None, *, shortcut: bool = True) -> None:
        self.plan, self.shortcut = plan, shortcut
        self._marked: dict[int, tuple[str, dict[str, Any], dict[str, str]]] = {}

    def html(self, e: Context, index: int) -> Markup:
        return Markup(self._render("html", e, index))

    def txt(self, e: Context, index: int) -> str:
        return self._render("txt", e, index)

    def _render(self, ext: str, e: Context, index: int) -> str:
        template = environment().get_template(f"digest/entry.{ext}")
        if not self.shortcut:
            return template.render(e=e, index=index, plan=self.plan)
        if id(e) not in self._marked:
            marked, values = _marked(e)
            self._marked[id(e)] = (json.dumps(marked, sort_keys=True, default=str), marked, values)
        key, marked, values = self._marked[id(e)]
        text = _fill(_cached(_ENTRIES, (ext, index, self.plan is None, key),
                             lambda: template.render(e=marked, index=index, plan=self.plan)), values, ext == "html")
        return text if _MARK not in text else template.render(e=e, index=index, plan=self.plan)


def _marked(context: Context) -> tuple[dict[str, Any], dict[str, str]]:
    """The context with markers for its unit's id and name and its link, without its thread;
    and the values the markers stand for."""
    unit, link = context.get("unit"), context.get("link")
    marked = {k: v for k, v in context.items() if k != "references"}
    if isinstance(unit, Mapping):
        marked["unit"] = {**unit, "id": _UNIT_ID, "name": _UNIT_NAME}
    if link:
        marked["link"] = _LINK
    values = {_UNIT_ID: str((unit or {}).get("id", "")), _UNIT_NAME: str((unit or {}).get("name", "")),
              _LINK: str(link or "")}
    return marked, values


def _subject(kind: str, context: Context) -> str:
    """``render_subject``, once per event: rendered with markers, kept, and personalised."""
    marked, values = _marked(context)
    key = (kind, json.dumps(marked, sort_keys=True, default=str))
    text = _fill(_cached(_SUBJECTS, key, lambda: render_subject(kind, marked)), values)
    return text if _MARK not in text else render_subject(kind, context)


def render_digest(
    items: Sequence[tuple[str, Context]],
    *,
    day: date | str,
    key: str,
    channel: str,
    to: Sequence[str],
    to_name: str,
    shortcut: bool = True,
) -> OutgoingMessage:
    """Several notifications for one recipient on ``day`` as one message, each with its link
    and every file its notifications carry.

    ``key`` is the key of the first notification. The plan is named once when every entry
    belongs to the same plan; the first entry's office contact signs the message. Each entry
    is rendered once per event, place in the digest and link or none, and personalised
    (``DigestEntries``); ``shortcut=False`` renders every entry in full, to the same bytes.
    """
    if not items:
        raise ValueError(f"empty digest for key {key!r}")
    subject = _subject if shortcut else render_subject
    entries = [{**context, "subject": subject(kind, context), "kind": kind} for kind, context in items]
    said = [(e.get("form"), e.get("link")) for e in entries]
    for i in range(1, len(entries)):  # the same form and link as the entry before: say it once
        if said[i][0] and said[i] == said[i - 1]:
            entries[i]["form"] = "Cùng biểu mẫu như nội dung trên."
    first = items[0][1]
    plans = {e["plan"]["id"] for e in entries}
    plan = first["plan"] if len(plans) == 1 else None
    context: dict[str, Any] = {
        "day": day, "entries": entries, "plan": plan,
        "files": [f for _, ctx in items for f in ctx.get("files", ())],
        "entry": DigestEntries(plan, shortcut=shortcut),
    }
    for shared in ("unit", "contact"):
        if shared in first:
            context[shared] = first[shared]
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
        text = env.get_template(f"{template}/zalo.txt").render(**context, this=context).strip()
        return OutgoingMessage(
            key=key, channel=channel, to=tuple(to), to_name=to_name, subject=subject, text=text,
            zalo_template_data=_zalo_data(text, context, len(items) == 1),
        )
    deadlines = [d for kind, ctx in items
                 if (d := _deadline(kind, ctx, str((ctx.get("unit") or context.get("unit") or {}).get("id", ""))))]
    files = tuple(file_attachment(Path(p)) for p in context.get("files", ()))
    calendars = tuple(build_ics(ds) for cancelled in (False, True)
                      if (ds := [d for d in deadlines if d.cancelled is cancelled]))
    return OutgoingMessage(
        key=key,
        channel=channel,
        to=tuple(to),
        to_name=to_name,
        subject=subject,
        text=env.get_template(f"{template}/body.txt").render(**context, this=context).strip() + "\n",
        html=env.get_template(f"{template}/body.html").render(**context, this=context),
        attachments=calendars + files,
    )


def file_attachment(path: Path) -> Attachment:
    """A file named in the context (the draft báo cáo, its data), read when the message is built."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(filename=path.name, content_type=content_type, data=path.read_bytes())


def _deadline(kind: str, context: Context, unit_id: str) -> Deadline | None:
    """The calendar event for a deadline reminder; None for kinds that announce, not demand.

    Its UID names the plan, the item, its period and the unit, never the reminder or the
    date, so every reminder of one deadline updates the same event in the unit's calendar;
    ``ics_sequence`` (how often the date moved) tells the calendar which version is newer.
    A ``calendar_cancel`` withdraws the event the unit was sent (``cancelled_kind``).
    """
    cancelled = kind == CANCEL_KIND
    if (kind not in DEADLINE_KINDS and not cancelled) or not context.get("deadline"):
        return None
    plan, item = context["plan"], context["item"]
    period = context.get("period") or {}
    verb = "Hạn thực hiện" if context.get("cancelled_kind", kind) == "task_reminder" else "Hạn báo cáo"
    stamp, alarm = context.get("stamp"), context.get("alarm")
    return Deadline(
        uid=event_uid(f"{plan['id']}/{item['id']}/{period.get('id', '')}", unit_id),
        summary=f"{verb}: {item_period(context)}",
        day=date.fromisoformat(context["deadline"]),
        description=f"{plan['label']}: {plan['title']}\nĐường dẫn gửi báo cáo có trong thư nhắc.",
        sequence=int(context.get("ics_sequence", 0)),
        stamp=datetime.fromisoformat(stamp) if stamp else None,
        alarm=datetime.fromisoformat(alarm) if alarm else None,
        cancelled=cancelled,
    )


# ZNS template parameters and their length limits (a ZNS table cell holds 3–90 characters,
# a text paragraph up to 400); README lists them for registering the template with Zalo.
ZNS_LIMITS = {"content": 400, "don_vi": 90, "viec_can_lam": 90, "thoi_han": 90, "lien_he": 90, "link": 2000}


def _zalo_data(text: str, context: Context, single: bool) -> dict[str, str]:
    """ZNS template parameters: the same four things as the email (what, by when, where to
    report, whom to ask), each cut to its ZNS limit; ``content`` is the whole short text."""
    unit = context.get("unit") or {}
    who = context.get("contact") or {}
    data = {"content": text, "don_vi": str(unit.get("name", ""))}
    if single:
        role = context.get("role")
        what = (f"{role}: " if role else "") + str(context["item"]["title"])
        when = vi_date(context.get("deadline")) if context.get("deadline") else str(context.get("timing") or "")
        data |= {
            "viec_can_lam": what,
            "thoi_han": when or "Theo kế hoạch",
            "link": str(context.get("link") or ""),
            "lien_he": ", ".join(x for x in (who.get("name"), who.get("phone")) if x)
                       or str(context["plan"].get("issuer", "")),
        }
    return {k: _cut(v, ZNS_LIMITS[k]) for k, v in data.items()}


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
