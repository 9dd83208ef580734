"""A client's request from asking to done, in a real browser: the client on a desktop or a phone, staff on a desktop.

Each step is what a person does on the pages: sign in, pick the service, fill its fields, attach a PDF, answer the
agency's question, send the documents asked for (one is sent back and sent again), approve what staff ask the client
to approve (staff cannot complete the task before that), see the work completed. The client's pages are screenshotted
at each step into tests/e2e/artifacts/, the staff member's in the desktop run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.work.models import Task
from tenants.context import TenantContext, tenant_scope
from tests.support import factories as f
from tests.support.browser import screenshot
from tests.support.web import tenant_db

SUBJECT = "October payroll"
QUESTION = "Did Jane Doe's overtime for 12 October get approved?"
ANSWER = "Yes, approved by the manager on 14 October: 6 hours at time and a half."
DOCUMENTS = "Payroll inputs"
DOCUMENT_ITEMS = ("October timesheets", "New starter form")
APPROVAL = "October payroll register"
APPROVAL_COMMENT = "Checked against our rota: fine to pay."
REJECTION = "This is September's form; please send the one signed for the October starter."
APPROVAL_NEEDED = "This task needs the client's approval before it can be completed."


@dataclass(frozen=True)
class Scene:
    agency_id: object
    workspace: str
    client_email: str
    staff_email: str


@dataclass
class Flow:
    """The two people of the story, each in their own browser context, and where they are."""

    scene: Scene
    client: Page
    staff: Page
    device: str
    request_url: str = ""  # the client's page of the request
    task_url: str = ""  # the staff member's page of the same task
    step: int = 0

    def snap(self, what: str) -> Path:
        """Screenshot the client's page for this step (tests/e2e/artifacts/portal-<device>-<nn>-<what>.png)."""
        self.step += 1
        return screenshot(self.client, f"portal-{self.device}-{self.step:02d}-{what}")

    def snap_staff(self, what: str) -> Path | None:
        """Screenshot the staff member's page (always a desktop), once: in the desktop run."""
        return screenshot(self.staff, f"staff-desktop-{what}") if self.device == "desktop" else None


def _scene(app) -> Scene:
    """An agency, a client using its payroll service (a task type with fields and a checklist) and the two people."""
    with app.app_context():
        from app.extensions import db

        agency = f.AgencyFactory(name="Northwind Books", slug="northwind-e2e")
        with tenant_scope(TenantContext(agency_id=agency.id)):
            client = f.ClientFactory(agency_id=agency.id, name="Acme Bakery")
            staff = f.UserFactory(agency_id=agency.id, role="staff", email="sam@northwind.test", name="Sam Carter")
            customer = f.UserFactory(agency_id=agency.id, role="client_admin", client_id=client.id, email="olivia@acme.test", name="Olivia Baker")
            line = f.ServiceLineFactory(agency_id=agency.id, name="Payroll", code="PR")
            queue = f.QueueFactory(agency_id=agency.id, name="Payroll queue", service_line_id=line.id)
            f.QueueMemberFactory(agency_id=agency.id, queue_id=queue.id, user_id=staff.id)
            f.ClientStaffFactory(agency_id=agency.id, client_id=client.id, user_id=staff.id)
            f.TaskTypeFactory(
                agency_id=agency.id,
                service_line_id=line.id,
                name="Payroll run",
                default_queue_id=queue.id,
                checklist_template=[{"title": "Check hours against timesheets", "required": True}],
                custom_fields=[
                    {"key": "pay_date", "label": "Pay date", "type": "date", "required": True, "choices": [], "help": None},
                    {"key": "employees", "label": "Employees paid", "type": "number", "required": True, "choices": [], "help": None},
                    {
                        "key": "frequency",
                        "label": "Pay frequency",
                        "type": "choice",
                        "required": False,
                        "choices": ["Weekly", "Monthly"],
                        "help": None,
                    },
                ],
            )
            f.ClientServiceFactory(agency_id=agency.id, client_id=client.id, service_line_id=line.id)
            scene = Scene(agency.id, agency.slug, customer.email, staff.email)
            db.session.commit()
        return scene


def _pdf(path: Path) -> Path:
    """A small, valid one-page PDF (with its cross-reference table) written to `path`."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _status_in_db(app, scene: Scene) -> str:
    with tenant_db(app, scene.agency_id) as session:
        return session.scalar(select(Task.status).where(Task.title == SUBJECT))


def sign_in(page: Page, workspace: str, email: str) -> None:
    """Sign in through the sign-in page, as a person types it."""
    page.goto("/sign-in")
    page.get_by_label("Workspace").fill(workspace)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()  # in the menu on a phone


def open_menu(page: Page) -> None:
    """Open the main navigation where it is collapsed (below Bootstrap's lg breakpoint, as on a phone)."""
    if page.viewport_size["width"] < 992:
        toggle = page.get_by_role("button", name="Show menu")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # opened, not still sliding


def go_to(page: Page, link: str) -> None:
    """Follow a link of the main navigation, as a person would on this screen."""
    open_menu(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True).click()


def document_item(card, name: str):
    """The entry of one requested document in the Documents card (staff) or "Documents we need" (client)."""
    page = card.page
    return (
        card.get_by_role("listitem").filter(has=page.get_by_text(name, exact=True)).filter(has_not=page.get_by_role("listitem"))
    )  # the document's own entry, not its request's


def detail(page: Page, term: str):
    """The value beside `term` in a page's description list."""
    return page.get_by_role("term").filter(has_text=term).locator("xpath=following-sibling::dd[1]")


# --- the story, one step per function --------------------------------------------------------


def client_submits_request(flow: Flow, attachment: Path) -> None:
    page = flow.client
    sign_in(page, flow.scene.workspace, flow.scene.client_email)
    expect(page.get_by_role("heading", name="Welcome, Olivia")).to_be_visible()
    expect(page.get_by_role("region", name="Waiting on you")).to_contain_text("Nothing needs you right now")
    flow.snap("home-empty")
    open_menu(page)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests")).to_be_visible()
    if flow.device == "phone":
        flow.snap("menu-open")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New request").click()
    page.get_by_label("What do you need?").select_option(label="Payroll run")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Details").fill("Usual monthly run; one new starter from 1 October.")
    page.get_by_label("Pay date").fill("2026-10-31")
    page.get_by_label("Employees paid").fill("14")
    page.get_by_label("Pay frequency").select_option("Monthly")
    page.get_by_label("Files").set_input_files(str(attachment))
    flow.snap("new-request-filled")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(has_text="sent")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(SUBJECT))).to_be_visible()
    files = page.get_by_role("region", name="Files")
    with page.expect_download() as download:
        files.get_by_role("link", name=attachment.name).click()
    assert Path(download.value.path()).read_bytes() == attachment.read_bytes()
    expect(page.get_by_text("New", exact=True)).to_be_visible()
    expect(detail(page, "Pay date")).to_have_text("31 Oct 2026")
    expect(detail(page, "Employees paid")).to_have_text("14")
    expect(detail(page, "Pay frequency")).to_have_text("Monthly")
    flow.request_url = page.url
    flow.snap("request-sent")


def staff_asks_question(flow: Flow, attachment: Path) -> None:
    page = flow.staff
    sign_in(page, flow.scene.workspace, flow.scene.staff_email)
    go_to(page, "Queues")
    page.get_by_role("link", name="Payroll queue").first.click()
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_role("row").filter(has_text=SUBJECT).get_by_role("link", name=re.compile(r"^PR-\d+$")).click()
    expect(page.get_by_role("heading", name=re.compile(SUBJECT))).to_be_visible()
    flow.task_url = page.url
    expect(page.get_by_role("region", name="Attachments").get_by_text(attachment.name)).to_be_visible()
    page.get_by_role("button", name="Assign to me").click()
    page.get_by_role("button", name="Start work").click()
    expect(page.get_by_role("heading", name="Status: In progress")).to_be_visible()
    page.get_by_label("Ask the client a question").fill(QUESTION)
    page.get_by_role("button", name="Ask and wait on the client").click()
    expect(page.get_by_role("heading", name="Status: Waiting on client")).to_be_visible()
    flow.snap_staff("1-question-asked")


def client_answers(flow: Flow, app) -> None:
    page = flow.client
    go_to(page, "Home")
    waiting = page.get_by_role("region", name="Waiting on you")
    expect(waiting).to_contain_text(QUESTION)
    flow.snap("home-waiting-on-you")
    waiting.get_by_role("link", name=re.compile(SUBJECT)).click()
    expect(page.get_by_text("needs an answer from you")).to_be_visible()
    expect(page.get_by_role("region", name="Conversation")).to_contain_text(QUESTION)
    page.get_by_label("Your answer").fill(ANSWER)
    flow.snap("answering")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Your answer is with the team")).to_be_visible()
    expect(page.get_by_role("region", name="Conversation")).to_contain_text(ANSWER)
    expect(page.get_by_text("In progress", exact=True).first).to_be_visible()
    assert _status_in_db(app, flow.scene) == "in_progress"
    flow.snap("answered-in-progress")


def staff_requests_documents_and_approval(flow: Flow, attachment: Path) -> None:
    page = flow.staff
    page.goto(flow.task_url)
    expect(page.get_by_role("heading", name="Status: In progress")).to_be_visible()
    documents = page.get_by_role("region", name="Documents")
    expect(documents).to_contain_text("No documents asked for")
    documents.get_by_label("What they are for").fill(DOCUMENTS)
    documents.get_by_label("Due on").fill((date.today() + timedelta(days=5)).isoformat())
    documents.get_by_label("Documents, one per line").fill("\n".join(DOCUMENT_ITEMS))
    # Held waiting on the client is the default; this flow keeps the task in progress to show the approval guard.
    documents.get_by_role("checkbox", name=re.compile("^Wait on the client")).uncheck()
    documents.get_by_role("button", name="Ask the client").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(has_text="Asked")).to_be_visible()
    documents = page.get_by_role("region", name="Documents")
    expect(documents).to_contain_text(DOCUMENTS)
    expect(documents).to_contain_text("2 of 2 documents still missing")
    for name in DOCUMENT_ITEMS:
        expect(document_item(documents, name)).to_contain_text("Missing")

    approval = page.get_by_role("region", name="Client approval")
    approval.get_by_label("What is to be approved").fill(APPROVAL)
    approval.get_by_label("Message").fill("The register for the 31 October run, with the overtime you confirmed.")
    approval.get_by_role("checkbox", name=re.compile("Olivia Baker")).check()
    approval.get_by_role("checkbox", name=attachment.name).check()
    approval.get_by_role("checkbox", name=re.compile("^Wait on the client")).uncheck()
    approval.get_by_role("button", name="Ask for approval").click()
    approval = page.get_by_role("region", name="Client approval")
    expect(approval.get_by_role("heading", name=APPROVAL)).to_be_visible()
    expect(approval).to_contain_text("Waiting for Olivia Baker's approval")
    expect(approval.get_by_text("Waiting for approval", exact=True)).to_be_visible()
    expect(approval.get_by_role("link", name=attachment.name)).to_be_visible()
    flow.snap_staff("2-documents-and-approval-asked")

    # The approval guards completion: staff cannot close the task while the client has not approved.
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("alert").filter(has_text=APPROVAL_NEEDED)).to_be_visible()
    expect(page.get_by_role("heading", name="Status: In progress")).to_be_visible()
    flow.snap_staff("3-complete-refused")


def client_uploads_and_approves(flow: Flow, files: dict[str, Path]) -> None:
    page = flow.client
    go_to(page, "Home")
    waiting = page.get_by_role("region", name="Waiting on you")
    expect(waiting).to_contain_text(f"Your approval is needed: {APPROVAL}")
    expect(waiting).to_contain_text("2 of 2 documents to send")
    flow.snap("home-documents-and-approval")
    waiting.get_by_role("link", name="Upload", exact=True).click()
    needed = page.get_by_role("region", name="Documents we need")
    expect(needed).to_contain_text(DOCUMENTS)
    expect(needed.get_by_text("2 to send")).to_be_visible()
    for name in DOCUMENT_ITEMS:
        item = document_item(needed, name)
        expect(item.get_by_text("Needed", exact=True)).to_be_visible()
        item.get_by_label("Upload the file").set_input_files(str(files[name]))
        item.get_by_role("button", name="Send", exact=True).click()
        expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(has_text=f"“{name}” is with")).to_be_visible()
    needed = page.get_by_role("region", name="Documents we need")
    for name in DOCUMENT_ITEMS:
        item = document_item(needed, name)
        expect(item.get_by_text("Sent, being checked", exact=True)).to_be_visible()
        expect(item.get_by_role("link", name=files[name].name)).to_be_visible()
        expect(item.get_by_text("Replace the file")).to_be_visible()  # folded away: nothing more is needed
        expect(item.get_by_role("button", name="Send", exact=True)).to_be_hidden()
    expect(needed.get_by_text("Nothing to send")).to_be_visible()
    flow.snap("documents-sent")

    decision = page.get_by_role("region", name="Your approval is needed")
    expect(decision.get_by_role("heading", name=APPROVAL)).to_be_visible()
    decision.get_by_label("Comment").fill(APPROVAL_COMMENT)
    flow.snap("approving")
    decision.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).filter(has_text=f"You approved “{APPROVAL}”")).to_be_visible()
    approvals = page.get_by_role("region", name="Approvals")
    expect(approvals.get_by_text("Approved", exact=True)).to_be_visible()
    expect(approvals).to_contain_text(APPROVAL_COMMENT)
    expect(page.get_by_role("region", name="Your approval is needed")).to_have_count(0)
    flow.snap("approved")


def staff_reviews_documents(flow: Flow, files: dict[str, Path], second_try: Path) -> None:
    """Staff send one file back with a reason, the client sends another, and staff accept both."""
    first, second = DOCUMENT_ITEMS
    staff = flow.staff
    staff.goto(flow.task_url)
    documents = staff.get_by_role("region", name="Documents")
    expect(documents.get_by_text("2 to review")).to_be_visible()
    item = document_item(documents, second)
    item.get_by_text("Reject with a reason").click()
    item.get_by_label(f"Why is “{second}” rejected?").fill(REJECTION)
    item.get_by_role("button", name="Reject and tell the client").click()
    expect(staff.get_by_role("alert").or_(staff.get_by_role("status")).filter(has_text="sent back")).to_be_visible()
    expect(document_item(staff.get_by_role("region", name="Documents"), second)).to_contain_text(REJECTION)

    client = flow.client
    client.goto(flow.request_url)
    item = document_item(client.get_by_role("region", name="Documents we need"), second)
    expect(item.get_by_text("Sent back", exact=True)).to_be_visible()
    expect(item).to_contain_text(f"Why it was sent back: {REJECTION}")
    flow.snap("document-sent-back")
    item.get_by_label("Send a new file").set_input_files(str(second_try))
    item.get_by_role("button", name="Send", exact=True).click()
    item = document_item(client.get_by_role("region", name="Documents we need"), second)
    expect(item.get_by_text("Sent, being checked", exact=True)).to_be_visible()
    expect(item.get_by_role("link", name=second_try.name)).to_be_visible()

    staff.goto(flow.task_url)
    for name in (first, second):
        document_item(staff.get_by_role("region", name="Documents"), name).get_by_role("button", name="Accept").click()
        expect(staff.get_by_role("alert").or_(staff.get_by_role("status")).filter(has_text=f"“{name}” accepted")).to_be_visible()
    documents = staff.get_by_role("region", name="Documents")
    expect(documents.get_by_text("Everything received")).to_be_visible()
    expect(documents).not_to_contain_text("missing")
    for name in (first, second):
        expect(document_item(documents, name).get_by_text("Accepted", exact=True)).to_be_visible()
    approval = staff.get_by_role("region", name="Client approval")
    expect(approval.get_by_text("Approved", exact=True)).to_be_visible()
    expect(approval).to_contain_text(APPROVAL_COMMENT)
    flow.snap_staff("4-documents-accepted-and-approved")

    client.goto(flow.request_url)
    needed = client.get_by_role("region", name="Documents we need")
    expect(needed.get_by_text("All received")).to_be_visible()
    flow.snap("documents-accepted")


def staff_completes(flow: Flow) -> None:
    page = flow.staff
    page.goto(flow.task_url)
    expect(page.get_by_role("heading", name="Status: In progress")).to_be_visible()
    expect(page.get_by_text(ANSWER)).to_be_visible()
    page.get_by_role("button", name="Tick Check hours against timesheets").click()
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("heading", name="Status: Done")).to_be_visible()
    flow.snap_staff("5-completed")


def client_sees_it_done(flow: Flow, app) -> None:
    page = flow.client
    page.goto(flow.request_url)
    expect(page.get_by_text("Done", exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Completed "))).to_be_visible()
    flow.snap("request-done")
    go_to(page, "Home")
    recent = page.get_by_role("region", name="Recently completed")
    expect(recent.get_by_role("link", name=re.compile(SUBJECT))).to_be_visible()
    expect(page.get_by_role("region", name="Open requests")).to_contain_text("No open requests")
    assert _status_in_db(app, flow.scene) == "done"
    flow.snap("home-completed")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_client_request_from_asking_to_done(app, open_page, tmp_path, device):
    flow = Flow(_scene(app), client=open_page(device), staff=open_page("desktop"), device=device)
    attachment = _pdf(tmp_path / "october-timesheets.pdf")
    uploads = {DOCUMENT_ITEMS[0]: _pdf(tmp_path / "timesheets-week-40-44.pdf"), DOCUMENT_ITEMS[1]: _pdf(tmp_path / "starter-form-september.pdf")}
    client_submits_request(flow, attachment)
    staff_asks_question(flow, attachment)
    client_answers(flow, app)
    staff_requests_documents_and_approval(flow, attachment)
    client_uploads_and_approves(flow, uploads)
    staff_reviews_documents(flow, uploads, second_try=_pdf(tmp_path / "starter-form-october.pdf"))
    staff_completes(flow)
    client_sees_it_done(flow, app)
