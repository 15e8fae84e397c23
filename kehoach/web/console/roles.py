"""The console's roles, apart from the accounts (argon2, the database) so the CLI's help can name them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VAN_THU = "van_thu"  # clerk: follows up, records, drafts
    LANH_DAO = "lanh_dao"  # leader: approves and sends the báo cáo upward
    QUAN_TRI = "quan_tri"  # admin: accounts, every office


ROLE_LABELS = {Role.VAN_THU: "Văn thư", Role.LANH_DAO: "Lãnh đạo", Role.QUAN_TRI: "Quản trị"}
# who may act on the follow-up board (extend, exempt, remind, record on a unit's behalf): the
# clerk's work; a leader reads the board and the units' files
FOLLOWERS = (Role.VAN_THU, Role.QUAN_TRI)
