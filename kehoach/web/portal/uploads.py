"""Reading a submitted form with its files, refusing oversize uploads while they stream in.

Starlette's parser would spool every file, however large, to a temporary file before the
handler could look at its size; a 1 GB upload filled /tmp first. Here each file part is
counted as it arrives and the whole body is capped, so the request stops at the first byte
over the limit and what was spooled so far is closed (deleted) at once.
"""

from __future__ import annotations

from contextlib import aclosing
from collections.abc import AsyncGenerator

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser
from python_multipart.multipart import parse_options_header

from kehoach.submissions.record import UploadTooLarge, safe_filename
from kehoach.web.app import PortalError

MAX_FILES = 10
MAX_FIELDS = 2000
FIELDS_ALLOWANCE = 1024 * 1024  # the text fields around the files


def _too_large(name: str | None, limit: int) -> UploadTooLarge:
    what = f"Tệp “{safe_filename(name)}”" if name else "Dữ liệu gửi lên"
    return UploadTooLarge(f"{what} vượt quá dung lượng cho phép ({limit // (1024 * 1024)} MB mỗi tệp).")


class _SizedParser(MultiPartParser):
    """Starlette's multipart parser, counting each file part's bytes as they arrive."""

    def __init__(self, *args: object, file_limit: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.file_limit = file_limit
        self._sizes: dict[int, int] = {}

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._current_part
        if part.file is not None:
            size = self._sizes[id(part)] = self._sizes.get(id(part), 0) + end - start
            if size > self.file_limit:
                raise _too_large(part.file.filename, self.file_limit)
        super().on_part_data(data, start, end)


async def _capped(stream: AsyncGenerator[bytes, None], limit: int, file_limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise _too_large(None, file_limit)
        yield chunk


def body_limit(file_limit: int) -> int:
    return MAX_FILES * file_limit + FIELDS_ALLOWANCE


async def read_form(request: Request, file_limit: int) -> FormData:
    """The posted form; UploadTooLarge as soon as a file or the whole body passes its limit."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > body_limit(file_limit):
        raise _too_large(None, file_limit)
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    async with aclosing(_capped(request.stream(), body_limit(file_limit), file_limit)) as stream:
        try:
            if content_type == b"multipart/form-data":
                return await _SizedParser(request.headers, stream, max_files=MAX_FILES, max_fields=MAX_FIELDS,
                                          file_limit=file_limit).parse()
            if content_type == b"application/x-www-form-urlencoded":
                return await FormParser(request.headers, stream, max_fields=MAX_FIELDS).parse()
        except MultiPartException as exc:
            raise PortalError(400, "Dữ liệu biểu mẫu không hợp lệ (quá nhiều tệp hoặc trường, hoặc sai định dạng).") from exc
    return FormData()
