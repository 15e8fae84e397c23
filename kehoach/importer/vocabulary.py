"""The administrative vocabulary the rules rely on, as data: nothing here names one plan.

Keys are folded (``text.words``): no accents, lower case, punctuation as spaces.
"""

from __future__ import annotations

# Abbreviations written in plans and their full words, expanded before names are compared.
# Multi-word keys first: "so tp" is Sở Tư pháp, while "tp" alone is thành phố.
ABBREVIATIONS: dict[str, str] = {
    "so tp": "so tu phap",
    "ubmttq": "uy ban mat tran to quoc",
    "mttq": "mat tran to quoc",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "vhxh": "van hoa xa hoi",
    "vh xh": "van hoa xa hoi",
    "scn": "su nghiep cong",
    "ttdv": "trung tam dich vu",
    "vstbpn": "vi su tien bo cua phu nu",
    "lhpn": "lien hiep phu nu",
    "ccb": "cuu chien binh",
    "bcd": "ban chi dao",
    "tn": "thanh nien",
    "tp": "thanh pho",
    "tt": "trung tam",
    "vp": "van phong",
    "nv": "nghiep vu",
    "ct xh": "chinh tri xa hoi",
    "gd dt": "giao duc va dao tao",
    "gddt": "giao duc va dao tao",
    "kt xh": "kinh te xa hoi",
    "ldtbxh": "lao dong thuong binh va xa hoi",
    "yte": "y te",
}

# Words that say nothing about which body is meant.
NAME_NOISE: dict[str, str] = {
    "mat tran to quoc viet nam": "mat tran to quoc",
}

# Words before a body's name in a duty line ("Đề nghị Ủy ban Mặt trận …", "Giao Văn phòng Sở").
NAME_PREFIXES: tuple[str, ...] = (
    "de nghi", "giao", "yeu cau", "thu truong", "cac thanh vien", "toan the", "ban lanh dao", "trach nhiem cua",
)

# Administrative levels that precede a place name ("tỉnh Lạng Sơn", "xã Yết Kiêu").
LEVELS: tuple[str, ...] = ("tinh", "thanh pho", "tp", "xa", "phuong", "huyen", "quan", "thi xa", "thi tran")

# Words a unit's name starts with: a section IV heading that starts so names a body.
UNIT_HEADS: tuple[str, ...] = (
    "phong", "van phong", "cong an", "tram", "trung tam", "cac", "uy ban", "ubnd", "ubmttq", "mttq", "hoi",
    "doan", "ban", "so", "truong", "thon", "to", "chi cuc", "cuc", "de nghi", "giao", "lanh dao", "thu truong",
    "benh vien", "quan doi", "ban chi huy", "dai", "bo phan", "kho bac", "chi nhanh",
)

# Named days plans mark, with their fixed date (day, month) and how the plan names them.
OCCASIONS: dict[str, tuple[int, int, str]] = {
    "quoc te phu nu": (8, 3, "Ngày Quốc tế Phụ nữ"),
    "phu nu viet nam": (20, 10, "Ngày Phụ nữ Việt Nam"),
    "gia dinh viet nam": (28, 6, "Ngày Gia đình Việt Nam"),
    "quoc te hanh phuc": (20, 3, "Ngày Quốc tế Hạnh phúc"),
    "quoc te thieu nhi": (1, 6, "Ngày Quốc tế Thiếu nhi"),
    "phap luat viet nam": (9, 11, "Ngày Pháp luật Việt Nam"),
    "van hoa viet nam": (24, 11, "Ngày Văn hóa Việt Nam"),
    "quoc te nguoi cao tuoi": (1, 10, "Ngày Quốc tế Người cao tuổi"),
    "the gioi phong chong hiv aids": (1, 12, "Ngày Thế giới phòng, chống AIDS"),
    "toan dan phong chong mua ban nguoi": (30, 7, "Ngày Toàn dân phòng, chống mua bán người"),
    "dai doan ket toan dan toc": (18, 11, "Ngày hội Đại đoàn kết toàn dân tộc"),
    "nguoi khuyet tat viet nam": (18, 4, "Ngày Người khuyết tật Việt Nam"),
}

# Campaigns plans take part in, the words that open their name, and their usual dates
# when the plan does not write them: (start day, start month, end day, end month).
CAMPAIGNS: dict[str, tuple[int, int, int, int] | None] = {
    "thang hanh dong vi binh dang gioi": (15, 11, 15, 12),
    "thang hanh dong vi tre em": (1, 6, 30, 6),
    "thang hanh dong quoc gia phong chong hiv aids": (10, 11, 10, 12),
    "thang hanh dong vi an toan thuc pham": (15, 4, 15, 5),
    "thang hanh dong quoc gia phong chong bao luc gia dinh": (1, 6, 30, 6),
    "thang hanh dong": None,
    "thang cao diem": None,
    "dot cao diem": None,
    "chien dich": None,
}
