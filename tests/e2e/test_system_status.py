"""The system status page updates itself (htmx) when the workers come back."""

from __future__ import annotations

from playwright.sync_api import expect

from smm.models import Role
from smm.services import heartbeat_record
from tests.factories import WorkspaceFactory, member


def test_status_page_refreshes_itself_when_a_worker_reports(page, log_in, live_server) -> None:
    workspace = WorkspaceFactory(name="Tulip Coffee", slug="tulip")
    member(workspace, Role.ADMIN, email="ada@example.com")
    log_in(page, "ada@example.com")
    page.goto(f"{live_server.url}/w/tulip/status/")
    panel = page.locator("#status-panel")
    expect(panel).to_contain_text("No worker has reported yet.")
    expect(page.locator("#heartbeat-stale")).to_be_visible()

    heartbeat_record(sent_at=None, worker="celery@test-host")

    # No reload: the panel fetches itself again within 15 seconds.
    expect(panel).to_contain_text("Running: last report", timeout=25_000)
    expect(panel).to_contain_text("celery@test-host")
