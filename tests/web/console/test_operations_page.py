"""The operations page: the office's recent dispatch runs and failed deliveries, read from the
outbox and attempt log after a real dispatch to a local SMTP server; Prefect's flow runs read
over its REST API only when PREFECT_API_URL is set (a local server answering Prefect's
/flow_runs/filter contract), and a link into Prefect's UI when PREFECT_UI_URL is set.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kehoach.delivery.dispatcher import dispatch
from kehoach.plans.config import Config
from notifications.channels import EmailChannel
from tests.servers.smtp import SMTPServer
from tests.web.console.conftest import DT_PLAN, YK_PLAN, Clock, log_in
from tests.web.console.test_review_page import post, save

PAGE = "/quan-ly/van-hanh"
BOUNCE = "550 5.1.1 hộp thư không tồn tại"


def section(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"')[1].split("</table>")[0]


def send_report_upward(client: TestClient) -> None:
    """Through the console: the clerk saves, the leader approves and sends."""
    log_in(client, "vt-dongthap")
    save(client, danh_gia_chung="Hoàn thành.")
    client.cookies.clear()
    log_in(client, "lanhdao-dt")
    post(client, "phe-duyet", phien_ban="1")
    post(client, "gui-len")
    client.cookies.clear()


def dispatch_to(smtp: SMTPServer, engine: Engine, config: Config, clock: Clock) -> None:
    channel = EmailChannel(host=smtp.hostname, port=smtp.port, mail_from="vp@stp-dongthap.example", starttls=False)
    dispatch(engine, config, {"email": channel, "zalo": None}, clock())


@pytest.fixture
def prefect_api() -> Iterator[str]:
    """A local server answering Prefect's ``POST /api/flow_runs/filter`` with three flow runs."""
    runs: list[dict[str, Any]] = [
        {"id": "run-dt", "name": f"rollup-{DT_PLAN}", "state_name": "Completed",
         "start_time": "2026-12-10T01:00:00+00:00", "parameters": {"plan_id": DT_PLAN, "period": "bc-nam-2026"}},
        {"id": "run-yk", "name": f"rollup-{YK_PLAN}", "state_name": "Failed",
         "start_time": "2026-12-10T00:30:00+00:00", "parameters": {"plan_id": YK_PLAN}},
        {"id": "run-dispatch", "name": "dispatch-0800", "state_name": "Completed",
         "start_time": "2026-12-10T01:05:00+00:00", "parameters": {}},
    ]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ok = self.path == "/api/flow_runs/filter" and body.get("sort") == "START_TIME_DESC"
            data = json.dumps(runs[: body.get("limit", 200)] if ok else {"detail": "Not Found"}).encode()
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api"
    server.shutdown()
    thread.join(5)


def test_the_office_sees_its_dispatch_runs_and_failed_deliveries_and_no_other_offices(
    client: TestClient, engine: Engine, config: Config, clock: Clock, smtp_server: SMTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    # Given the báo cáo sent upward, and Sở Nội vụ's mail server refusing it at the next dispatch
    send_report_upward(client)
    smtp_server.recorder.fail_next(BOUNCE)
    dispatch_to(smtp_server, engine, config, clock)
    # When the clerk of Sở Tư pháp Đồng Tháp opens the operations page from the menu
    log_in(client, "vt-dongthap")
    assert f'href="{PAGE}"' in client.get("/quan-ly/").text
    page = client.get(PAGE).text
    # Then the run is listed with its outcome, and the failure with its unit and reason
    assert "10/12/2026 09:00" in section(page, "luot-gui") and "lỗi: 1" in section(page, "luot-gui")
    failed = section(page, "loi-gui")
    assert "Sở Nội vụ tỉnh Đồng Tháp" in failed and BOUNCE in failed and "email" in failed
    # and, with no Prefect configured, no Prefect section and no link
    assert 'id="luot-chay"' not in page and 'id="prefect-ui"' not in page
    client.cookies.clear()
    # When the clerk of xã Yết Kiêu opens the same page, none of it is hers
    log_in(client, "vt-yetkieu")
    other = client.get(PAGE).text
    assert "Chưa có lượt gửi nào." in other and "Không có thông báo nào gửi không thành công." in other
    assert BOUNCE not in other
    # and a clerk cannot pick another office as the admin does
    assert BOUNCE not in client.get(PAGE, params={"van_phong": "stp-dt-van-phong"}).text
    client.cookies.clear()
    # The admin picks an office from the list: Sở Tư pháp Đồng Tháp's failure, not under xã Yết Kiêu
    log_in(client, "quantri")
    assert 'id="van_phong"' in client.get(PAGE).text
    assert BOUNCE in client.get(PAGE, params={"van_phong": "stp-dt-van-phong"}).text
    assert BOUNCE not in client.get(PAGE, params={"van_phong": "xa-yk-vhxh"}).text


def test_prefect_runs_are_read_from_its_api_per_office_with_links_into_its_ui(
    client: TestClient, prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)
    monkeypatch.setenv("PREFECT_UI_URL", "http://127.0.0.1:4200/")
    # The clerk of Sở Tư pháp Đồng Tháp sees her plan's runs and the dispatch, not xã Yết Kiêu's
    log_in(client, "vt-dongthap")
    page = client.get(PAGE).text
    runs = section(page, "luot-chay")
    assert f"rollup-{DT_PLAN}" in runs and "dispatch-0800" in runs and f"rollup-{YK_PLAN}" not in runs
    assert 'href="http://127.0.0.1:4200/runs/flow-run/run-dt"' in runs and "10/12/2026 08:00" in runs
    assert 'id="prefect-ui" ' not in page and 'href="http://127.0.0.1:4200/runs" id="prefect-ui"' in page
    client.cookies.clear()
    # The admin sees every office's runs, or one office's when she picks it
    log_in(client, "quantri")
    assert f"rollup-{YK_PLAN}" in section(client.get(PAGE).text, "luot-chay")
    one = section(client.get(PAGE, params={"van_phong": "xa-yk-vhxh"}).text, "luot-chay")
    assert f"rollup-{YK_PLAN}" in one and f"rollup-{DT_PLAN}" not in one and "dispatch-0800" in one


def test_an_unreachable_prefect_is_said_and_the_outbox_side_still_shows(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    log_in(client, "vt-dongthap")
    answer = client.get(PAGE)
    assert answer.status_code == 200 and "Không đọc được các lượt chạy từ Prefect" in answer.text
    assert 'id="loi-gui"' in answer.text
