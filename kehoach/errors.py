"""Every error kehoach raises.

    KehoachError
    ├── PlanError            a plan or directory file is invalid; carries every PlanIssue found
    ├── CalendarError        a date outside the calendar's range or an invalid calendar override
    ├── LinkError            a submission link that is tampered, expired or for another period
    ├── SubmissionError      a submission that cannot be accepted (unknown unit, bad value)
    └── SettingsError        settings that cannot work together (server mode without a portal secret)

Delivery failures are raised by channels as ``notifications.channels.base.DeliveryError``,
because the notifications package knows nothing about plans.
"""

from __future__ import annotations

from dataclasses import dataclass


class KehoachError(Exception):
    """Base class: catch this to handle any kehoach failure."""


@dataclass(frozen=True)
class PlanIssue:
    """One thing wrong in a config file, located for a person to fix."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(gốc)'}: {self.message}"


class PlanError(KehoachError, ValueError):
    """A plan, directory or calendar file failed validation; ``issues`` lists them all."""

    def __init__(self, issues: list[PlanIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class CalendarError(KehoachError, ValueError):
    """A date the working calendar cannot answer for."""


class LinkError(KehoachError, PermissionError):
    """A submission link that must be refused (tampered, expired, foreign period)."""


class SubmissionError(KehoachError, ValueError):
    """A submission that cannot be stored."""


class SettingsError(KehoachError, ValueError):
    """Settings that cannot work together; the message names the variable to set."""
