"""Pages render and their scripts run under the Content-Security-Policy, with nothing refused by the browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tenants.models import Agency
from tests.support import factories as f
from tests.support.web import tenant_db


def _collect_csp_reports(page: Page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda message: messages.append(message.text) if "Content Security Policy" in message.text or "Refused to" in message.text else None,
    )
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    return messages


def test_pages_render_under_the_policy(app, world, desktop_page: Page):
    with tenant_db(app, world.a.agency_id) as session:
        session.scalar(select(Agency).where(Agency.id == world.a.agency_id)).accent_colour = "#f5d142"  # a light accent
    page = desktop_page
    refused = _collect_csp_reports(page)

    page.goto("/sign-in?workspace=agency-a")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bno-js\b"))  # backline.js ran from its file
    page.get_by_label("Workspace").fill(world.a.slug)
    page.get_by_label("Email").fill(world.a.agency_admin.email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()

    # the agency's colours (a hashed <style>) are applied
    background = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background == "rgb(245, 209, 66)"
    # Bootstrap's scripts work: the Settings menu opens
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_role("link", name="Branding")).to_be_visible()

    page.goto("/admin/branding")
    expect(page.locator("input[type=color]")).to_be_attached()  # branding.js ran
    page.locator("#accent_colour").fill("#1f6f5c")
    preview = page.locator("#branding-preview")
    expect(preview).to_have_css("background-color", "rgb(31, 111, 92)")

    page.goto("/account")
    page.goto(f"/tasks/{world.a.task_id}")
    page.goto("/work")

    assert refused == []
