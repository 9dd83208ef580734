"""In a browser: the same task's deadline, read by someone in New York and by someone in London."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tenants.context import TenantContext, tenant_scope
from tests.e2e.test_portal_flow import sign_in
from tests.support import factories as f
from tests.support.browser import screenshot

# A summer deadline: 12:00 UTC is 13:00 British Summer Time and 08:00 Eastern Daylight Time.
DEADLINE = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)


def _scene(app):
    with app.app_context():
        from app.extensions import db

        agency = f.AgencyFactory(name="Atlas Books", slug="atlas-e2e", timezone="Europe/London", locale="en_GB")
        with tenant_scope(TenantContext(agency_id=agency.id)):
            client = f.ClientFactory(agency_id=agency.id, name="Hudson Deli", timezone="America/New_York")
            f.UserFactory(
                agency_id=agency.id, role="agency_admin", email="nina@atlas.test", name="Nina York", timezone="America/New_York", locale="en_US"
            )
            f.UserFactory(agency_id=agency.id, role="agency_admin", email="lou@atlas.test", name="Lou Don")  # the agency's
            line = f.ServiceLineFactory(agency_id=agency.id, name="Bookkeeping", code="BK")
            queue = f.QueueFactory(agency_id=agency.id, name="Bookkeeping queue", service_line_id=line.id)
            task_type = f.TaskTypeFactory(agency_id=agency.id, service_line_id=line.id, name="Month-end close", default_queue_id=queue.id)
            task = f.TaskFactory(
                agency_id=agency.id, client_id=client.id, task_type_id=task_type.id, queue_id=queue.id, title="June close", due_at=DEADLINE
            )
            task_id = task.id
            db.session.commit()
        return agency.slug, task_id


def _deadline(page: Page, task_id) -> str:
    page.goto(f"/tasks/{task_id}")
    term = page.locator("dt", has_text="Deadline")
    expect(term).to_be_visible()
    return term.locator("xpath=following-sibling::dd[1]").inner_text()


def test_the_same_deadline_in_new_york_and_in_london(app, open_page):
    slug, task_id = _scene(app)
    new_york, london = open_page("desktop"), open_page("desktop")
    sign_in(new_york, slug, "nina@atlas.test")
    sign_in(london, slug, "lou@atlas.test")

    assert _deadline(new_york, task_id) == "Jul 1, 2027, 8:00\u202fAM EDT"
    assert _deadline(london, task_id) == "1 Jul 2027, 13:00 BST"
    # The edit form is filled on each reader's clock, and says which clock that is.
    assert new_york.locator("#due_at").input_value() == "2027-07-01T08:00"
    assert london.locator("#due_at").input_value() == "2027-07-01T13:00"
    expect(new_york.locator("label[for=due_at]")).to_contain_text("America/New York")
    expect(london.locator("label[for=due_at]")).to_contain_text("Europe/London")
    expect(new_york.locator("#viewer-zone")).to_contain_text("America/New York")
    screenshot(new_york, "local-time-new-york")
    screenshot(london, "local-time-london")
