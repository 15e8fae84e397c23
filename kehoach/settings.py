"""Runtime settings from ``KEHOACH_*`` environment variables.

Every secret is a ``SecretStr`` so that no log line, artifact or error message shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kehoach.errors import SettingsError
from kehoach.store.files import private_dir

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEHOACH_", env_file=None, extra="ignore")

    config_dir: Path = REPO_ROOT / "config"
    data_dir: Path = Path.cwd() / "data"
    database_url: str | None = None

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout: float = 30.0
    smtp_concurrency: int = 10  # connections open at once to the relay
    # Messages started per second (unset: as fast as the connections allow). Government
    # relays often cap a sender; set this just under the relay's cap.
    smtp_rate_per_second: float | None = None
    # The address mail is sent through; each message shows the issuing office's name before
    # it and sets Reply-To to the office's own addresses, so a display name here is rarely seen.
    mail_from: str = "kehoach@kehoach.example"
    # Envelope sender: where servers return undeliverable mail. Point it at a mailbox the
    # office reads; unset, bounces go to ``mail_from``.
    bounce_address: str | None = None

    db_patience: float = 15.0  # seconds a dispatch waits for an unavailable database before it ends
    # Per-plan runs at once inside one collection or campaign run: 150 plans due at 16:30
    # share one process and these few threads, not 150 processes.
    plan_concurrency: int = Field(4, ge=1)
    # How far ahead a sync writes the outbox (``expansion.horizon``). The morning sync and the
    # re-sync before each dispatch move it on every day, so it only has to outlast a scheduler
    # outage: two weeks cover a long holiday's, at a twenty-sixth of the year's rows.
    sync_horizon_days: int = Field(14, ge=1, le=400)

    zalo_api_base: str = "https://business.openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_app_id: str | None = None
    zalo_secret_key: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_template_id: str = "kehoach-nhac-viec"  # the approved ZNS template carrying {content}, {deadline}, {link}
    zalo_concurrency: int = 4
    zalo_rate_per_second: float | None = 10.0  # ZNS answers "too many requests" above its own cap

    # Set by ``kehoach simulate`` for the flows it runs: nothing may reach a real person.
    simulation: bool = False
    simulation_smtp: bool = False  # the simulation may use the SMTP server, for test addresses only
    simulation_to: str | None = None  # ... or for this one override address

    portal_secret: SecretStr | None = None  # unset: a random one kept in the data directory
    portal_base_url: str = "http://127.0.0.1:8000"
    portal_host: str = "127.0.0.1"  # units reach it through a reverse proxy, never directly
    portal_port: int = 8000
    portal_max_upload_mb: int = 10  # per attached file
    portal_link_days: int = 60  # how long a submission link in a reminder stays valid
    portal_submissions_per_link: int = 5  # per 10 minutes: each one queues a confirmation email
    portal_posts_per_address: int = 30  # per 10 minutes, from one client address across all links
    import_draft_days: int = Field(default=7, ge=1)  # an uploaded plan document no one opens for this long is removed

    admin_email: str | None = None  # who Prefect's automations alert (a failed or crashed run, a silent dispatch)
    alert_url: str | None = None  # where Prefect posts alerts; default: the web app's /canh-bao/prefect

    @cached_property
    def plans_dir(self) -> Path:
        return self.config_dir / "plans"

    @cached_property
    def contacts_file(self) -> Path:
        return self.config_dir / "contacts.yaml"

    @cached_property
    def calendar_file(self) -> Path:
        return self.config_dir / "calendar.yaml"

    @property
    def resolved_database_url(self) -> str:
        """SQLite under the data directory unless a database URL is given."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'kehoach.db'}"

    @property
    def server_mode(self) -> bool:
        """A database shared by several processes or machines (PostgreSQL), not the embedded SQLite."""
        return not self.resolved_database_url.startswith("sqlite")

    def signing_key(self) -> bytes:
        """The portal's HMAC key: the configured secret, or (embedded mode) one made once per data directory.

        Never a built-in default, so a deployment that forgets the setting still has links
        nobody else can forge. In server mode a key per data directory would make a link signed
        on one worker answer 403 on the portal of another, so the secret is required. A blank one
        (``KEHOACH_PORTAL_SECRET=`` left empty in an environment file) counts as unset: an empty
        HMAC key signs links anyone can forge.
        """
        if self.portal_secret is not None and self.portal_secret.get_secret_value().strip():
            return self.portal_secret.get_secret_value().encode()
        if self.server_mode:
            raise SettingsError("KEHOACH_PORTAL_SECRET chưa được đặt (hoặc để trống): ở chế độ máy chủ "
                                "(cơ sở dữ liệu dùng chung) mọi tiến trình trên mọi máy phải dùng cùng một "
                                "khóa ký liên kết")
        path = self.data_dir / "portal-secret"
        if not path.exists():
            private_dir(path.parent)
            draft = path.with_name(f".portal-secret.{os.getpid()}")
            fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32))
            try:
                os.link(draft, path)  # atomic: of two processes starting together, one key wins
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        return path.read_text().strip().encode()

    def alert_token(self) -> str:
        """The bearer token Prefect's alert webhook carries, derived from the signing key."""
        return hmac.new(self.signing_key(), b"kehoach-alerts", hashlib.sha256).hexdigest()

    @property
    def alert_webhook_url(self) -> str:
        return self.alert_url or f"{self.portal_base_url.rstrip('/')}/canh-bao/prefect"

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def zalo_configured(self) -> bool:
        return bool(self.zalo_app_id and self.zalo_secret_key and self.zalo_refresh_token)
