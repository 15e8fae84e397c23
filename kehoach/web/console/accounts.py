"""Staff accounts of the office console: create, change password, disable, authenticate.

Passwords are stored as argon2id hashes (argon2-cffi's defaults, RFC 9106's low-memory
profile). Authentication answers only "this account" or "no": the caller shows one generic
message, so a visitor learns neither whether a username exists nor whether it is locked.
After ``MAX_FAILURES`` wrong passwords in a row an account is locked for ``LOCKOUT``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, func, or_, select

from kehoach.errors import KehoachError
from kehoach.plans.contacts import normalise_email
from kehoach.plans.directory import Directory
from kehoach.store.account_tables import ConsoleSession, ConsoleUser
from kehoach.web.console.roles import FOLLOWERS, ROLE_LABELS, Role  # noqa: F401  (FOLLOWERS, ROLE_LABELS: the console's pages)

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,49}")

_hasher = PasswordHasher()
# Verified when no account matches, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("kehoach-khong-co-tai-khoan")


class AccountError(KehoachError, ValueError):
    """An account request that cannot be carried out; the message is Vietnamese and names the value."""


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise AccountError(f"vai trò '{role}' không hợp lệ; chọn một trong: {known}") from None


def count_users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(ConsoleUser)).one())


def find(session: Session, username: str) -> ConsoleUser:
    """The account with this username; AccountError when there is none."""
    user = session.exec(select(ConsoleUser).where(ConsoleUser.username == username)).first()
    if user is None:
        raise AccountError(f"không có tài khoản '{username}'")
    return user


def check_new_user(session: Session, directory: Directory, *, username: str, office: str, role: str,
                   email: str | None) -> tuple[Role, str | None]:
    """Check an account's fields before asking for its password; returns the role and normalised email."""
    if not USERNAME.fullmatch(username):
        raise AccountError(f"tên đăng nhập '{username}' không hợp lệ: 3–50 ký tự, chữ thường không dấu, "
                           "số, dấu chấm, gạch ngang hoặc gạch dưới")
    if not directory.has_unit(office):
        raise AccountError(f"không có đơn vị '{office}' trong danh bạ (--office phải là mã một đơn vị)")
    checked_role = _role(role)
    if email is not None:
        try:
            email = normalise_email(email)
        except ValueError as exc:
            raise AccountError(str(exc)) from None
    taken = session.exec(select(ConsoleUser).where(or_(
        ConsoleUser.username == username,
        (func.lower(ConsoleUser.email) == email.lower()) if email else False,
    ))).first()
    if taken is not None:
        what = f"tên đăng nhập '{username}'" if taken.username == username else f"email '{email}'"
        raise AccountError(f"{what} đã được dùng cho tài khoản khác")
    return checked_role, email


def add_user(session: Session, directory: Directory, *, username: str, office: str, role: str, password: str,
             email: str | None, now: datetime) -> ConsoleUser:
    """Create an account; every value is checked before anything is written."""
    checked_role, email = check_new_user(session, directory, username=username, office=office, role=role, email=email)
    check_password(password)
    user = ConsoleUser(username=username, email=email, office=office, role=checked_role.value,
                       password_hash=_hasher.hash(password), created_at=now)
    session.add(user)
    session.commit()
    return user


def _end_sessions(session: Session, user: ConsoleUser) -> None:
    for row in session.exec(select(ConsoleSession).where(ConsoleSession.user_id == user.id)):
        session.delete(row)


def set_password(session: Session, username: str, password: str) -> ConsoleUser:
    """A new password; the account's open sessions end and any lock is lifted."""
    user = find(session, username)
    check_password(password)
    user.password_hash = _hasher.hash(password)
    user.failed_attempts, user.locked_until = 0, None
    _end_sessions(session, user)
    session.add(user)
    session.commit()
    return user


def disable_user(session: Session, username: str) -> ConsoleUser:
    """The account can no longer log in, and its open sessions end now."""
    user = find(session, username)
    user.disabled = True
    _end_sessions(session, user)
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, login: str, password: str, now: datetime) -> ConsoleUser | None:
    """The account for a username or email and its password, or None for any failure.

    A wrong password counts towards the lock; a locked or disabled account fails even with
    the right password, and nothing in the answer says which case it was.
    """
    login = login.strip()
    user = session.exec(select(ConsoleUser).where(or_(
        ConsoleUser.username == login.lower(), func.lower(ConsoleUser.email) == login.lower(),
    ))).first() if login else None
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    if user.locked_until is not None and user.locked_until > now:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILURES:
            user.failed_attempts, user.locked_until = 0, now + LOCKOUT
        session.add(user)
        session.commit()
        return None
    if user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_attempts, user.locked_until = 0, None
    session.add(user)
    session.commit()
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
