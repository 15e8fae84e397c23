"""Writes the repository's .docx test plan as Word would: a two-column ND30 header, Word list
numbering (the "List Number" style, so "1.", "2." exist only in numbering.xml), bold headings,
a task table, and "Nơi nhận" beside the signature in a table.

Used by tests/importer/ and benchmarks/import_accuracy.py; its expected YAML is
tests/importer/documents/sgd-duoi-nuoc.expected.yaml.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document

TASKS = [
    ("1", "Tuyên truyền phòng, chống đuối nước cho học sinh trước kỳ nghỉ hè",
     "Phòng Giáo dục phổ thông", "Các trường trung học phổ thông trực thuộc Sở", "Trước ngày 25/5/2026"),
    ("2", "Tổ chức dạy bơi an toàn cho học sinh trung học phổ thông",
     "Các trường trung học phổ thông trực thuộc Sở", "Phòng Giáo dục phổ thông", "Từ ngày 01/6 đến ngày 31/7/2026"),
    ("3", "Bố trí kinh phí mua sắm trang thiết bị cứu hộ",
     "Phòng Kế hoạch - Tài chính", "Văn phòng Sở", "Thường xuyên"),
]


def write_documents(directory: Path) -> list[Path]:
    """The .docx plans, written into ``directory``; returns their paths."""
    return [_duoi_nuoc(directory / "sgd-duoi-nuoc.docx")]


def _duoi_nuoc(path: Path) -> Path:
    doc = Document()
    head = doc.add_table(rows=2, cols=2)
    head.cell(0, 0).text = "UBND TỈNH TÂY NGUYÊN"
    head.cell(1, 0).text = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    head.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    head.cell(1, 1).text = "Độc lập - Tự do - Hạnh phúc"
    doc.add_paragraph("Số: 118/KH-SGDĐT")
    doc.add_paragraph("Tây Nguyên, ngày 05 tháng 5 năm 2026")
    _bold(doc, "KẾ HOẠCH")
    _bold(doc, "Phòng, chống đuối nước cho học sinh năm 2026")
    doc.add_paragraph("Thực hiện Kế hoạch số 77/KH-UBND ngày 15/4/2026 của UBND tỉnh về phòng, chống tai nạn "
                      "thương tích trẻ em năm 2026, Sở Giáo dục và Đào tạo xây dựng kế hoạch như sau:")
    _bold(doc, "I. MỤC ĐÍCH, YÊU CẦU")
    doc.add_paragraph("Giảm số học sinh bị đuối nước trong năm 2026.", style="List Bullet")
    _bold(doc, "II. NHIỆM VỤ CỤ THỂ")
    table = doc.add_table(rows=1, cols=5)
    for cell, text in zip(table.rows[0].cells, ("STT", "Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp",
                                                  "Thời gian hoàn thành"), strict=True):
        cell.text = text
    for row in TASKS:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    _bold(doc, "III. KINH PHÍ")
    doc.add_paragraph("Kinh phí thực hiện từ nguồn chi thường xuyên của Sở.")
    _bold(doc, "IV. TỔ CHỨC THỰC HIỆN")
    doc.add_paragraph("Các phòng thuộc Sở và các trường căn cứ nhiệm vụ được giao tổ chức triển khai thực hiện "
                      "Kế hoạch này.", style="List Number")
    doc.add_paragraph("Văn phòng Sở theo dõi, đôn đốc, tổng hợp; báo cáo năm trước ngày 10/12/2026 gửi Sở Nội vụ.",
                      style="List Number")
    doc.add_paragraph("Trên đây là Kế hoạch phòng, chống đuối nước cho học sinh năm 2026 của Sở Giáo dục và Đào tạo./.")
    foot = doc.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    left.text = "Nơi nhận:"
    for line in ("- Sở Nội vụ (b/c);", "- Lãnh đạo Sở Giáo dục và Đào tạo;",
                 "- Các trường trung học phổ thông trực thuộc Sở;", "- Lưu: VT, VP."):
        left.add_paragraph(line)
    right.text = "KT. GIÁM ĐỐC"
    for line in ("PHÓ GIÁM ĐỐC", "", "Trần Văn Minh"):
        right.add_paragraph(line)
    doc.save(str(path))
    return path


def _bold(doc: Document, text: str) -> None:  # type: ignore[valid-type]
    doc.add_paragraph().add_run(text).bold = True
