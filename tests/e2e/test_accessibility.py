"""axe-core on the main pages of each role, over the demo data: no serious or critical accessibility violation.

axe-core comes from the npm registry (package.json pins it; `npm ci` at the repository root installs it, as `.ci/run`
does) and is injected into each page as it is. Without it the tests skip on a developer's machine, and fail when CI=1
or BACKLINE_E2E_REQUIRED=1, like the browser itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.demo.seed import DEMO_PASSWORD as PASSWORD
from app.work.models import ApprovalRequest, DocumentRequest, Task
from tenants.models import Agency
from tests.e2e.conftest import _required
from tests.support.web import tenant_db

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
WORKSPACE = "northwind"


@pytest.fixture(autouse=True)
def _axe_installed():
    if not AXE.is_file():
        message = f"axe-core is not installed at {AXE.relative_to(AXE.parents[2])} (run `npm ci` at the repository root)"
        if _required():
            pytest.fail(message + "; the browser tests are required here (CI or BACKLINE_E2E_REQUIRED).", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def demo(app, owner_engine):
    """The demo data, seeded once for this module's tests (each only reads it) and emptied after the last one."""
    from tests.conftest import _empty_tables

    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db

        agency_id = db.session.scalar(select(Agency.id).where(Agency.slug == WORKSPACE))
    yield agency_id
    _empty_tables(app, owner_engine)


@pytest.fixture
def _clean_state():
    """This module's tests share the demo (emptied by `demo`), so the suite's per-test emptying is off here."""
    yield


@pytest.fixture
def audit_page(open_page) -> Page:
    """A desktop page that lets axe's script in: the pages' Content-Security-Policy refuses any script not served by
    the app (tests/e2e/test_content_security_policy.py checks the pages under it)."""
    return open_page("desktop", bypass_csp=True)


def violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one readable line per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for rule in results["violations"]:
        if rule["impact"] not in FAILING_IMPACTS:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in rule["nodes"][:6])
        more = f" and {len(rule['nodes']) - 6} more" if len(rule["nodes"]) > 6 else ""
        lines.append(f"  {rule['id']} ({rule['impact']}): {rule['help']} — {targets}{more}")
    return lines


def audit(page: Page, paths: list[str]) -> None:
    """Open each path and run axe; fail once, listing every page's violations."""
    found = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status < 500, f"{path} answered {response and response.status}"
        lines = violations(page)
        if lines:
            found.append(f"{path} ({page.title()}):\n" + "\n".join(lines))
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)


def sign_in(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Workspace").fill(WORKSPACE)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()


def _task_with_documents_and_approval(app, agency_id, *, client_name: str | None = None):
    """A demo task that shows the most: a document request and an approval request, of one client if named."""
    from tenants.models import Client

    with tenant_db(app, agency_id) as session:
        stmt = (
            select(Task.id)
            .join(DocumentRequest, DocumentRequest.task_id == Task.id)
            .order_by(Task.id.in_(select(ApprovalRequest.task_id)).desc(), Task.number)
            .limit(1)
        )
        if client_name:
            stmt = stmt.join(Client, Client.id == Task.client_id).where(Client.name == client_name)
        return session.scalar(stmt)


def _first_link(page: Page, path: str, pattern: str) -> str:
    page.goto(path)
    href = page.locator(f"main a[href^='{pattern}']").first.get_attribute("href")
    assert href, f"no link to {pattern}… on {path}"
    return re.sub(r"#.*$", "", href)


def test_agency_admin_pages(app, demo, audit_page):
    sign_in(audit_page, "admin@northwind.example")
    task_id = _task_with_documents_and_approval(app, demo)
    client_page = _first_link(audit_page, "/clients", "/clients/")
    audit(
        audit_page,
        [
            "/",
            "/work",
            "/work/clients",
            "/work/workload",
            "/queues",
            f"/tasks/{task_id}",
            "/clients",
            client_page,
            "/sla/reports",
            "/schedules",
            "/catalog",
            "/admin/users",
            "/admin/sla",
            "/admin/branding",
            "/admin/security",
            "/account",
            "/notifications",
        ],
    )


def test_staff_pages(demo, audit_page):
    sign_in(audit_page, "sam@northwind.example")
    task_page = _first_link(audit_page, "/work", "/tasks/")
    audit(audit_page, ["/", "/work", task_page, "/time"])


@pytest.mark.parametrize("email", ["acme.admin@acme.example", "acme.member@acme.example"])
def test_client_pages(app, demo, audit_page, email):
    sign_in(audit_page, email)
    request_id = _task_with_documents_and_approval(app, demo, client_name="Acme Bakery")
    audit(audit_page, ["/portal", "/portal/requests", f"/portal/requests/{request_id}", "/portal/requests/new", "/portal/people"])
    # The new request form's second step: the chosen service's own fields.
    audit_page.goto("/portal/requests/new")
    audit_page.get_by_label("What do you need?").select_option(index=1)
    audit_page.get_by_role("button", name="Continue").click()
    expect(audit_page.get_by_label("Subject")).to_be_visible()
    found = violations(audit_page)
    assert not found, "axe found serious or critical violations on the new request's details:\n" + "\n".join(found)
