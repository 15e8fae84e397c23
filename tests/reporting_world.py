"""A small Yết Kiêu commune and the city above it, for report-collection and roll-up tests.

Built from the seed plan 004 (UBND xã Yết Kiêu, bodies report through Phòng Văn hóa - Xã hội
before 05/12) with a subset of the commune form (REPORTING.md, form b).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan

PLAN_ID = "2026-xa-yet-kieu-bdg"
CITY_PLAN_ID = "2026-tp-bdg"

DIRECTORY: dict[str, Any] = {
    "groups": [{"id": "cac-thon-yk", "name": "Các thôn trên địa bàn xã"},
               {"id": "cac-xa-tp", "name": "UBND các xã, phường"}],
    "units": [
        {"id": "ubnd-tp", "name": "UBND thành phố"},
        {"id": "so-noi-vu", "name": "Sở Nội vụ"},
        {"id": "phong-vhxh-tp", "name": "Phòng Văn hóa - Xã hội thành phố", "parent": "ubnd-tp",
         "emails": ["vhxh@tp.example"]},
        {"id": "ubnd-xa-yet-kieu", "name": "UBND xã Yết Kiêu", "parent": "ubnd-tp", "groups": ["cac-xa-tp"],
         "emails": ["ubnd@yetkieu.example"]},
        {"id": "ubnd-xa-khac", "name": "UBND xã Hồng Phong", "parent": "ubnd-tp", "groups": ["cac-xa-tp"]},
        {"id": "yk-vhxh", "name": "Phòng Văn hóa - Xã hội", "parent": "ubnd-xa-yet-kieu",
         "emails": ["vhxh@yetkieu.example"]},
        {"id": "yk-cong-an", "name": "Công an xã", "parent": "ubnd-xa-yet-kieu", "emails": ["ca@yetkieu.example"]},
        {"id": "yk-tram-y-te", "name": "Trạm Y tế xã", "parent": "ubnd-xa-yet-kieu", "zalo": "0900000011"},
        {"id": "yk-thon-1", "name": "Thôn Đông", "parent": "ubnd-xa-yet-kieu", "groups": ["cac-thon-yk"],
         "emails": ["dong@yetkieu.example"]},
        {"id": "yk-thon-2", "name": "Thôn Tây", "parent": "ubnd-xa-yet-kieu", "groups": ["cac-thon-yk"]},
    ],
}

TASKS = [
    ("t1", "II.1", "Triển khai các chương trình, kế hoạch, chiến lược về bình đẳng giới"),
    ("t3", "II.3", "Đẩy mạnh truyền thông, phổ biến, giáo dục chính sách, pháp luật về bình đẳng giới"),
    ("t7", "II.7", "Phòng ngừa, ứng phó với bạo lực đối với phụ nữ và trẻ em gái"),
]


def _ind(id_: str, label: str, uom: str | None, kind: str, by_sex: bool = False, by: list[str] | None = None,
         task: str | None = None, reports: list[str] | None = None) -> dict[str, Any]:
    return {"id": id_, "label": label, "unit_of_measure": uom, "kind": kind, "by_sex": by_sex,
            "reports": reports or ["nam"], "submitted_by": by or [], "task": task}


INDICATORS = [
    _ind("tuyen_truyen_so_cuoc", "Số cuộc tuyên truyền về bình đẳng giới", "cuộc", "flow", task="t3"),
    _ind("tuyen_truyen_luot_nguoi", "Số lượt người tham dự", "lượt người", "flow", True, task="t3"),
    _ind("blgd_nan_nhan", "Số nạn nhân bạo lực gia đình", "người", "flow", True, ["yk-cong-an"], "t7"),
    _ind("blgd_nan_nhan_duoc_ho_tro", "Số nạn nhân được hỗ trợ", "người", "flow", True, ["yk-cong-an"], "t7"),
    _ind("tre_sinh_ra", "Số trẻ sinh ra sống", "trẻ", "flow", True, ["yk-tram-y-te"]),
    _ind("tu_van_skss", "Số người được tư vấn sức khỏe sinh sản", "người", "flow", by=["yk-tram-y-te"])
    | {"disaggregation": "gioi_tinh_day_du"},
    _ind("kinh_phi_su_dung", "Kinh phí đã sử dụng", "đồng", "money", by=["yk-vhxh"]),
    _ind("tha_le_phat_dong", "Tổ chức Lễ phát động Tháng hành động", None, "flag", by=["yk-vhxh"],
         reports=["thang-hanh-dong"]),
    _ind("ket_qua_noi_bat", "Kết quả nổi bật", None, "text") | {"rollup_section": "uu_diem"},
    _ind("kien_nghi_de_xuat", "Kiến nghị, đề xuất", None, "text") | {"rollup_section": "kien_nghi"},
]
# The national gender statistics count people whose sex is not recorded apart.
DISAGGREGATIONS = [
    {"id": "gioi_tinh_day_du", "label": "Giới tính", "options": [
        {"id": "nam", "label": "Nam"}, {"id": "nu", "label": "Nữ"}, {"id": "khong_xac_dinh", "label": "Không xác định"}]},
]
COMPUTED = [
    {"id": "ty_so_gioi_tinh_khi_sinh", "label": "Tỷ số giới tính khi sinh", "numerator": "tre_sinh_ra.nam",
     "denominator": "tre_sinh_ra.nu", "factor": 100, "unit": "trẻ trai/100 trẻ gái",
     "caution": {"left": "tre_sinh_ra", "operator": "<", "right": "1000",
                 "note": "số trẻ sinh ra trong kỳ ít, chỉ mang tính tham khảo"}},
    {"id": "ty_le_nan_nhan_duoc_ho_tro", "label": "Tỷ lệ nạn nhân bạo lực gia đình được tiếp cận dịch vụ hỗ trợ",
     "numerator": "blgd_nan_nhan_duoc_ho_tro", "denominator": "blgd_nan_nhan", "factor": 100, "unit": "%"},
]
RULES = [
    {"left": "blgd_nan_nhan_duoc_ho_tro", "operator": "<=", "right": "blgd_nan_nhan",
     "message": "Số nạn nhân được hỗ trợ không được lớn hơn số nạn nhân"},
]


def _task(id_: str, section: str, title: str) -> dict[str, Any]:
    return {"id": id_, "section": section, "title": title, "content": [title], "lead": ["yk-vhxh"],
            "cadence": "thuong_xuyen"}


PLAN: dict[str, Any] = {
    "id": PLAN_ID, "title": "Triển khai thực hiện công tác bình đẳng giới trên địa bàn xã Yết Kiêu năm 2026",
    "symbol": "KH-UBND", "issuer": "ubnd-xa-yet-kieu", "place": "Xã Yết Kiêu", "issued": "tháng 5 năm 2026",
    "year": 2026, "effective_from": "20/05/2026",
    "parent_plan": {"number": "178/KH-UBND", "date": "15/05/2026", "issuer": "UBND thành phố"},
    "office": "yk-vhxh",
    "units": ["yk-vhxh", "yk-cong-an", "yk-tram-y-te", "cac-thon-yk"],
    "tasks": [_task(*t) for t in TASKS],
    "reports": [
        {"id": "nam", "title": "Báo cáo kết quả thực hiện công tác bình đẳng giới", "period": "nam",
         "units": ["yk-vhxh", "yk-cong-an", "yk-tram-y-te", "cac-thon-yk"], "to": "yk-vhxh", "due": "05/12",
         "upward": {"to": "Sở Nội vụ", "unit": "so-noi-vu", "due": "15/12"}},
        {"id": "thang-hanh-dong", "title": "Báo cáo kết quả Tháng hành động", "period": "thang_hanh_dong",
         "units": ["yk-vhxh"], "to": "yk-vhxh", "due": "20/12", "campaign": "tha"},
    ],
    "campaigns": [{"id": "tha", "title": "Tháng hành động vì bình đẳng giới", "start": "15/11", "end": "15/12",
                   "units": ["yk-vhxh"]}],
    "indicators": INDICATORS,
    "disaggregations": DISAGGREGATIONS,
    "computed": COMPUTED,
    "rules": RULES,
    "recipients": [{"name": "UBND thành phố"}, {"name": "Các cơ quan, đơn vị thuộc xã"}, {"name": "Lưu: VT"}],
    "signer": {"authority": "KT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH", "name": "Nguyễn Văn A"},
}

CITY_PLAN: dict[str, Any] = {
    "id": CITY_PLAN_ID, "title": "Triển khai thực hiện công tác bình đẳng giới năm 2026", "symbol": "KH-UBND",
    "number": "178", "issuer": "ubnd-tp", "place": "Thành phố", "issued": "ngày 15 tháng 5 năm 2026", "year": 2026,
    "effective_from": "15/05/2026", "office": "phong-vhxh-tp", "units": ["cac-xa-tp"],
    "tasks": [_task("t1", "II.1", "Triển khai công tác bình đẳng giới") | {"lead": ["phong-vhxh-tp"]}],
    "reports": [{"id": "nam", "title": "Báo cáo kết quả công tác bình đẳng giới", "period": "nam",
                 "units": ["cac-xa-tp"], "to": "phong-vhxh-tp", "due": "10/12"}],
    "indicators": [INDICATORS[0] | {"task": "t1"}, INDICATORS[1] | {"task": "t1"},
                   *[i for i in INDICATORS if i["id"] == "ket_qua_noi_bat"]],
    "recipients": [{"name": "Sở Nội vụ"}],
    "signer": {"authority": "TM. ỦY BAN NHÂN DÂN", "title": "CHỦ TỊCH", "name": "Trần Văn B"},
}


def directory() -> Directory:
    return Directory.model_validate(DIRECTORY)


def plan() -> Plan:
    return Plan.model_validate(PLAN)


def plan_with_ethnic_minority_victims() -> Plan:
    """The plan with a "trong đó: dân tộc thiểu số" figure right under the victims."""
    victims = next(i for i in PLAN["indicators"] if i["id"] == "blgd_nan_nhan")
    sub = victims | {"id": "blgd_nan_nhan_dtts", "label": "Trong đó: người dân tộc thiểu số", "part_of": "blgd_nan_nhan"}
    at = PLAN["indicators"].index(victims) + 1
    return Plan.model_validate(PLAN | {"indicators": [*PLAN["indicators"][:at], sub, *PLAN["indicators"][at:]]})


def city_plan() -> Plan:
    return Plan.model_validate(CITY_PLAN)


def write_config(config_dir: Path) -> Path:
    """The world as config files (JSON is YAML), for commands that load ``config/``."""
    (config_dir / "plans").mkdir(parents=True, exist_ok=True)
    (config_dir / "contacts.yaml").write_text(json.dumps(DIRECTORY, ensure_ascii=False), encoding="utf-8")
    for data in (PLAN, CITY_PLAN):
        (config_dir / "plans" / f"{data['id']}.yaml").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return config_dir
