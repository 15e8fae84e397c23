"""The one error the importer raises: the file cannot be read as a plan."""

from __future__ import annotations

from kehoach.errors import KehoachError


class DocumentError(KehoachError, ValueError):
    """A file that is not a readable KẾ HOẠCH; the message, in Vietnamese, names the file and why."""

    def __init__(self, file: str, reason: str):
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")
