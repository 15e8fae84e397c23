"""What the office writes into the báo cáo that no unit's figures can: five narrative sections
and a note per figure. Plain text, kept as typed: every output escapes it for its own format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# key → the section's name as the báo cáo prints it
OFFICE_SECTIONS = {
    "dac_diem_tinh_hinh": "Đặc điểm tình hình",
    "chi_dao": "Công tác chỉ đạo",
    "danh_gia_chung": "Đánh giá chung",
    "phuong_huong": "Phương hướng, nhiệm vụ",
    "kien_nghi": "Kiến nghị, đề xuất",
}
MAX_TEXT = 20_000  # characters per section or note: several pages of a báo cáo


@dataclass(frozen=True)
class OfficeTexts:
    sections: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)  # indicator id → note

    def section(self, key: str) -> list[str]:
        """The section's paragraphs (blank lines or line breaks separate them)."""
        return paragraphs(self.sections.get(key, ""))

    def note(self, indicator_id: str) -> str:
        return " ".join(paragraphs(self.notes.get(indicator_id, "")))


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def texts_errors(texts: OfficeTexts, indicator_ids: set[str]) -> list[str]:
    """Vietnamese errors for unknown sections or figures and over-long texts."""
    errors = [f"không có phần “{k}” trong báo cáo" for k in texts.sections if k not in OFFICE_SECTIONS]
    errors += [f"không có chỉ tiêu “{k}” trong báo cáo" for k in texts.notes if k not in indicator_ids]
    for name, text in [*texts.sections.items(), *texts.notes.items()]:
        if len(text) > MAX_TEXT:
            errors.append(f"nội dung “{OFFICE_SECTIONS.get(name, name)}” dài quá {MAX_TEXT} ký tự")
    return errors
