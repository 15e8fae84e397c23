"""Which channel serves each outbox channel name, decided from the settings.

The embedded defaults: without SMTP settings, email goes to a Maildir under the data
directory that a person can open; without Zalo credentials there is no Zalo channel and the
dispatcher records Zalo notifications as skipped with the reason. Nothing is dropped silently.

A simulation (``settings.simulation``, set by ``kehoach simulate``) never reaches a real
person: email goes to the simulation's Maildir unless it was asked to use the SMTP server,
and then only to test addresses or the one override address; Zalo is recorded, not sent, and
no Zalo credential or token is touched.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Engine

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.delivery.dispatcher import DispatchSummary, Options, dispatch
from kehoach.settings import Settings
from kehoach.store.zalo_tokens import DbTokenStore
from kehoach.submissions.links import link_maker
from notifications.channels import EmailChannel, MaildirChannel, ZaloChannel
from notifications.channels.base import Channel
from notifications.channels.practice import TestRecipientsOnly, ZaloRecord

WORKING_MORNING = time(8, 0)


def maildir_path(settings: Settings) -> str:
    return str(settings.data_dir / "maildir")


def email_destination(settings: Settings) -> str:
    """Where email goes, in words for the office."""
    maildir = f"Maildir {maildir_path(settings)}"
    if not settings.smtp_configured or (settings.simulation and not settings.simulation_smtp):
        return maildir
    server = f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    if settings.simulation:
        only = settings.simulation_to or "địa chỉ thử nghiệm (.example, .test, .invalid, .localhost)"
        return f"{server}, chỉ tới {only}; còn lại vào {maildir}"
    return server


def options_from_settings(settings: Settings, **overrides: object) -> Options:
    """The dispatcher's pacing from the settings: connections and starts per second per channel."""
    pacing = dict(
        concurrency={"email": settings.smtp_concurrency, "zalo": settings.zalo_concurrency},
        rate_per_second={name: rate for name, rate in (("email", settings.smtp_rate_per_second),
                                                       ("zalo", settings.zalo_rate_per_second)) if rate},
        db_patience=settings.db_patience,
    )
    return Options(**{**pacing, **overrides})  # type: ignore[arg-type]


def channels_from_settings(settings: Settings, engine: Engine,
                           calendar: WorkingCalendar | None = None) -> dict[str, Channel | None]:
    """``{"email": ..., "zalo": ... or None}``; the caller closes them (``dispatch`` does).

    ``engine`` holds the installation's Zalo token pair.
    """
    maildir = MaildirChannel(maildir_path(settings), mail_from=settings.mail_from, durable=not settings.simulation)
    email: Channel = maildir
    if settings.smtp_configured and (settings.simulation_smtp or not settings.simulation):
        assert settings.smtp_host is not None
        email = EmailChannel(
            host=settings.smtp_host, port=settings.smtp_port, mail_from=settings.mail_from,
            bounce_to=settings.bounce_address,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls, use_tls=settings.smtp_tls, timeout=settings.smtp_timeout,
            concurrency=settings.smtp_concurrency,
        )
        if settings.simulation:
            email = TestRecipientsOnly(email, maildir, override=settings.simulation_to)
    zalo: Channel | None = None
    if settings.zalo_configured and settings.simulation:
        zalo = ZaloRecord(settings.data_dir / "zalo-mo-phong.jsonl")
    elif settings.zalo_configured:
        assert settings.zalo_app_id and settings.zalo_secret_key and settings.zalo_refresh_token
        extra = {}
        if calendar is not None:
            extra["next_working_morning"] = lambda now: _next_working_morning(calendar, now)
        zalo = ZaloChannel(
            app_id=settings.zalo_app_id, secret_key=settings.zalo_secret_key.get_secret_value(),
            template_id=settings.zalo_template_id,
            tokens=DbTokenStore(engine, settings.zalo_app_id,
                                initial_refresh_token=settings.zalo_refresh_token.get_secret_value()),
            api_base=settings.zalo_api_base, oauth_base=settings.zalo_oauth_base,
            concurrency=settings.zalo_concurrency, **extra,
        )
    return {"email": email, "zalo": zalo}


def _next_working_morning(calendar: WorkingCalendar, now: datetime) -> datetime:
    """08:00 on the next working day after ``now`` (a Zalo daily quota resets overnight)."""
    local = now.astimezone(VN_TZ).date()
    return datetime.combine(calendar.add_working_days(local, 1), WORKING_MORNING, tzinfo=VN_TZ)


def dispatch_configured(engine: Engine, config: Any, settings: Settings, now: datetime,
                        **kwargs: Any) -> DispatchSummary:
    """``dispatch`` over the settings' channels, options and signed links, on the office's calendar
    of ``now``'s year: what the dispatch flow, ``kehoach dispatch`` and the simulation all run."""
    calendar = config.calendar([now.year])
    kwargs.setdefault("options", options_from_settings(settings))
    return dispatch(engine, config, channels_from_settings(settings, engine, calendar), now, calendar=calendar,
                    links=link_maker(settings, now), **kwargs)
