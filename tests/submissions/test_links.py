from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from kehoach.calendar import VN_TZ
from kehoach.errors import LinkError
from kehoach.settings import Settings
from kehoach.submissions.links import make_link, verify

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=VN_TZ)
S = Settings(portal_secret=SecretStr("k1"), portal_base_url="https://nop.example/")


def parts(url: str) -> tuple[str, str, str]:
    q = parse_qs(urlsplit(url).query)
    return urlsplit(url).path, q["e"][0], q["s"][0]


def test_link_round_trips_and_names_plan_period_unit() -> None:
    url = make_link(S, "p1", "u1", "nam-2026", NOW + timedelta(days=3))
    path, e, s = parts(url)
    assert url.startswith("https://nop.example/nop/p1/nam-2026/u1?")
    claims = verify(S, "p1", "u1", "nam-2026", e, s, NOW)
    assert claims.unit_id == "u1" and claims.expires_at == NOW + timedelta(days=3)


@pytest.mark.parametrize("plan, unit, period", [("p2", "u1", "nam-2026"), ("p1", "u2", "nam-2026"),
                                                ("p1", "u1", "nam-2027")])
def test_any_other_plan_unit_or_period_fails(plan: str, unit: str, period: str) -> None:
    _, e, s = parts(make_link(S, "p1", "u1", "nam-2026", NOW + timedelta(days=3)))
    with pytest.raises(LinkError):
        verify(S, plan, unit, period, e, s, NOW)


def test_expired_link_and_other_secret_fail() -> None:
    _, e, s = parts(make_link(S, "p1", "u1", "nam-2026", NOW + timedelta(days=3)))
    with pytest.raises(LinkError, match="hết hạn"):
        verify(S, "p1", "u1", "nam-2026", e, s, NOW + timedelta(days=3))
    with pytest.raises(LinkError):
        verify(Settings(portal_secret=SecretStr("k2")), "p1", "u1", "nam-2026", e, s, NOW)
    with pytest.raises(LinkError):
        verify(S, "p1", "u1", "nam-2026", str(int(e) + 3600), s, NOW)
