"""Every notification kind's email, triggered the way the product triggers it and delivered over a real SMTP server.

SCENARIOS maps each kind in KINDS to a function that makes it happen through the real services and returns what the
email(s) must say. A kind without a scenario fails `test_every_kind_has_an_email_scenario`; adding one is a function
returning `Expect(...)` and a line in SCENARIOS.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.core import jobs
from app.notifications import services as notification_services
from app.notifications.models import KIND_LABELS, KINDS
from app.sla import services as sla_services
from app.sla.sweep import record_crossings
from app.work.models import Task
from app.work.services import approvals, comments, documents, tasks, watchers
from tests.notifications.conftest import acting, in_agency
from tests.sla.conftest import MONDAY_9, TARGETS
from tests.worker.test_jobs import drain

BASE = "http://backline.test"
PREFERENCES_URL = f"{BASE}/notifications/preferences"
# Rows the test world keeps on every task that no client may ever read (internal notes and time entries).
INTERNAL = ("INTERNAL-NOTE", "INTERNAL-TIME", "Internal only:")


@dataclass
class Expect:
    """One email: to whom, its subject, and the phrases saying what happened."""

    to: object  # a UserRef
    subject: str
    says: tuple[str, ...]
    reference: str
    client_name: str
    link: str  # the page's path; made absolute in the email
    client: bool = False  # a client user: portal link, nothing internal
    not_to: tuple = field(default=())  # people who must get no email of this kind (the actor, other audiences)


@dataclass
class Request:
    id: object
    reference: str
    title: str


def _request(app, world, *, by, assignee=None, title="October payroll") -> Request:
    """A client user's request (the assignment, if any, made by the agency admin); earlier emails are dropped."""
    with acting(app, by) as requester:
        task = tasks.create_task(
            requester, client_id=world.a.client_id, task_type_id=world.a.task_type_id, title=title, description="Twelve people, one starter."
        )
        made = Request(task.id, task.reference, task.title)
    if assignee is not None:
        with acting(app, world.a.agency_admin) as admin:
            tasks.assign(_task(made.id), admin, assignee.id)
    with app.app_context():
        jobs.discard_pending()
    return made


def _task(task_id) -> Task:
    from app.extensions import db

    return db.session.scalar(select(Task).where(Task.id == task_id))


def _internal_note(app, world, request: Request) -> None:
    with acting(app, world.a.staff) as staff:
        comments.add_comment(_task(request.id), staff, "Internal only: payroll cost is 41,200", client_visible=False)


# --- scenarios ---------------------------------------------------------------------------------


def assigned(app, world) -> list[Expect]:
    request = _request(app, world, by=world.a.client_admin)
    with acting(app, world.a.agency_admin) as admin:
        tasks.assign(_task(request.id), admin, world.a.staff.id)
    return [
        Expect(
            world.a.staff,
            f"{request.reference} assigned to you: {request.title}",
            ("You have been given a task.",),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
            not_to=(world.a.agency_admin,),
        )
    ]


def mentioned(app, world) -> list[Expect]:
    request = _request(app, world, by=world.a.client_admin, assignee=world.a.staff)
    with acting(app, world.a.staff) as staff:
        comments.add_comment(_task(request.id), staff, "@admin can you approve the starter's contract?", client_visible=False)
    return [
        Expect(
            world.a.agency_admin,
            f"A Staff mentioned you on {request.reference}: {request.title}",
            ("You were mentioned in a comment.", "can you approve the starter&#39;s contract?"),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
            not_to=(world.a.staff, world.a.client_admin),
        )
    ]


def client_commented(app, world) -> list[Expect]:
    request = _request(app, world, by=world.a.client_member, assignee=world.a.staff)
    with acting(app, world.a.client_member) as clerk:
        comments.add_comment(_task(request.id), clerk, "The starter begins on the 14th.")
    return [
        Expect(
            world.a.staff,
            f"A One Clerk commented on {request.reference}: {request.title}",
            ("A client commented on a task you follow.", "The starter begins on the 14th."),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
            not_to=(world.a.client_member, world.a.client_admin),
        )
    ]


def status_changed(app, world) -> list[Expect]:
    """Waiting on the client with a question: every active user of the company is told, with the question and a portal
    link (the client admin neither asked for the work nor follows it); a staff watcher gets the staff link."""
    request = _request(app, world, by=world.a.client_member, assignee=world.a.staff)
    with acting(app, world.a.agency_admin) as admin:
        tasks.ensure_watching(_task(request.id), admin)
    with acting(app, world.a.client_admin) as boss:  # the test world turned this email off for the client admin
        notification_services.set_preferences(boss, {"status_changed": (True, True)})
    _internal_note(app, world, request)
    with app.app_context():
        jobs.discard_pending()
    with acting(app, world.a.staff) as staff:
        tasks.transition(_task(request.id), staff, "in_progress")
        tasks.transition(_task(request.id), staff, "waiting_on_client", message="Which pension scheme is the starter in?")
    subject = f"{request.reference} is now waiting on client: {request.title}"
    question = "Which pension scheme is the starter in?"
    client_says = ("One of your company&#39;s requests with Agency A changed status.", question)
    return [
        Expect(
            world.a.client_member,
            subject,
            client_says,
            request.reference,
            world.a.client_name,
            f"/portal/requests/{request.id}",
            client=True,
            not_to=(world.a.staff, world.a.other_client_admin),
        ),
        Expect(world.a.client_admin, subject, client_says, request.reference, world.a.client_name, f"/portal/requests/{request.id}", client=True),
        Expect(
            world.a.agency_admin,
            subject,
            ("A task you follow changed status.", question),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
        ),
    ]


def agency_commented(app, world) -> list[Expect]:
    """A client-visible reply reaches the requester and the company's followers, never an internal note."""
    request = _request(app, world, by=world.a.client_admin, assignee=world.a.staff)
    with acting(app, world.a.client_member) as clerk:
        watchers.watch(_task(request.id), clerk)
    _internal_note(app, world, request)
    with acting(app, world.a.staff) as staff:
        comments.add_comment(_task(request.id), staff, "Payslips are ready for your review.", client_visible=True)
    subject = f"A Staff wrote on {request.reference}: {request.title}"
    says = ("Agency A wrote to you about one of your requests.", "Payslips are ready for your review.")
    return [
        Expect(
            world.a.client_admin,
            subject,
            says,
            request.reference,
            world.a.client_name,
            f"/portal/requests/{request.id}",
            client=True,
            not_to=(world.a.staff, world.a.agency_admin, world.a.other_client_admin),
        ),
        Expect(world.a.client_member, subject, says, request.reference, world.a.client_name, f"/portal/requests/{request.id}", client=True),
    ]


def _swept_request(app, world, minutes: int) -> Request:
    """Office hours from Monday 09:00 (first response in 60 business minutes, at risk at 75%); the sweep runs
    `minutes` later, under time-machine, as the periodic job would."""
    with time_machine.travel(MONDAY_9, tick=False) as clock:
        with in_agency(app, world.a.agency_id):
            calendar = sla_services.create_calendar(
                {"name": "Office", "timezone": "UTC", "hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
            )
            policy = sla_services.create_policy({"name": "Office SLA", "calendar_id": calendar.id, "targets": TARGETS, "at_risk_percent": 75})
            sla_services.set_rule(policy)
        request = _request(app, world, by=world.a.client_admin, assignee=world.a.staff)
        clock.move_to(MONDAY_9 + timedelta(minutes=minutes))
        with in_agency(app, world.a.agency_id):
            record_crossings()
    return request


def sla_at_risk(app, world) -> list[Expect]:
    request = _swept_request(app, world, minutes=50)
    return [
        Expect(
            world.a.staff,
            f"{request.reference} is at risk of missing its first response target: {request.title}",
            ("A task is close to missing its SLA target.", "Due 23 Nov 2026, 10:00 GMT."),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
            not_to=(world.a.client_admin,),
        )
    ]


def sla_breached(app, world) -> list[Expect]:
    request = _swept_request(app, world, minutes=61)
    return [
        Expect(
            world.a.staff,
            f"{request.reference} breached its first response target: {request.title}",
            ("A task has missed its SLA target.", "Was due 23 Nov 2026, 10:00 GMT."),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
            not_to=(world.a.client_admin,),
        )
    ]


def approval_requested(app, world) -> list[Expect]:
    request = _request(app, world, by=world.a.client_member, assignee=world.a.staff)
    _internal_note(app, world, request)
    with acting(app, world.a.staff) as staff:
        approvals.request_approval(
            _task(request.id),
            staff,
            title="October payroll register",
            message="Please check the starter's pay.",
            approver_ids=[world.a.client_admin.id],
        )
    return [
        Expect(
            world.a.client_admin,
            f"{request.reference}: your approval is needed: October payroll register",
            ("Your approval is needed.", "Please check the starter&#39;s pay."),
            request.reference,
            world.a.client_name,
            f"/portal/requests/{request.id}",
            client=True,
            not_to=(world.a.client_member, world.a.staff),
        )
    ]


def approval_decided(app, world) -> list[Expect]:
    request = _request(app, world, by=world.a.client_member, assignee=world.a.staff)
    with acting(app, world.a.agency_admin) as admin:
        approval = approvals.request_approval(_task(request.id), admin, title="October payroll register", approver_ids=[world.a.client_admin.id])
        approval_id = approval.id
    with acting(app, world.a.client_admin) as boss:
        task = _task(request.id)
        approvals.decide(task, approvals.approval_for(task, approval_id), boss, "reject", "The starter's salary is wrong.")
    return [
        Expect(
            world.a.staff,
            f"{request.reference} rejected by A One Boss: October payroll register",
            ("A client approved or rejected something on a task you follow.", "The starter&#39;s salary is wrong."),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}",
            not_to=(world.a.client_admin,),
        )
    ]


def _documents_asked(app, world, request: Request):
    """The assignee asks the company for two documents due 5 Dec 2030; returns the first item's id."""
    with acting(app, world.a.staff) as staff:
        asked = documents.create_request(
            _task(request.id),
            staff,
            title="Payroll inputs",
            due_on=date(2030, 12, 5),
            items=["October timesheets", "New starter form"],
            message="For the October run.",
        )
        return documents.items_of(asked)[0].id


def document_requested(app, world) -> list[Expect]:
    """Every active user of the company is asked, with the list and a portal link; staff are not emailed."""
    request = _request(app, world, by=world.a.client_member, assignee=world.a.staff)
    _internal_note(app, world, request)
    _documents_asked(app, world, request)
    subject = "Payroll inputs: 2 documents needed by 5 Dec 2030"
    says = ("Agency A needs documents from you.", "For the October run.", "October timesheets", "New starter form")
    return [
        Expect(
            person,
            subject,
            says,
            request.reference,
            world.a.client_name,
            f"/portal/requests/{request.id}#documents",
            client=True,
            not_to=(world.a.staff, world.a.other_client_admin),
        )
        for person in (world.a.client_member, world.a.client_admin)
    ]


def document_uploaded(app, world) -> list[Expect]:
    """The client sends a file for an item: the assignee is told, with the file's name and a link to the task."""
    request = _request(app, world, by=world.a.client_member, assignee=world.a.staff)
    item_id = _documents_asked(app, world, request)
    with app.app_context():
        jobs.discard_pending()
    with acting(app, world.a.client_member) as member:
        task = _task(request.id)
        documents.upload(task, documents.item_of(task, item_id), member, io.BytesIO(b"name,hours\nJane,160\n"), "timesheets.csv", "text/csv")
    return [
        Expect(
            world.a.staff,
            f"{world.a.client_member.name} sent “October timesheets” for {request.reference}: {request.title}",
            ("A client uploaded a document you asked for.", "timesheets.csv", "Payroll inputs"),
            request.reference,
            world.a.client_name,
            f"/tasks/{request.id}#documents",
            not_to=(world.a.client_member, world.a.client_admin),
        )
    ]


SCENARIOS = {
    "assigned": assigned,
    "mentioned": mentioned,
    "client_commented": client_commented,
    "status_changed": status_changed,
    "agency_commented": agency_commented,
    "sla_at_risk": sla_at_risk,
    "sla_breached": sla_breached,
    "document_requested": document_requested,
    "document_uploaded": document_uploaded,
    "approval_requested": approval_requested,
    "approval_decided": approval_decided,
}


# --- the checks --------------------------------------------------------------------------------


def test_every_kind_has_an_email_scenario():
    missing = sorted(set(KINDS) - set(SCENARIOS))
    assert not missing, f"add an email scenario to SCENARIOS for: {', '.join(missing)}"
    assert not set(SCENARIOS) - set(KINDS), "a scenario for a kind that no longer exists"


def _bodies(message) -> tuple[str, str]:
    return message.get_body(preferencelist=("plain",)).get_content(), message.get_body(preferencelist=("html",)).get_content()


def _of_kind(smtp, ref, label: str) -> list:
    return [m for m in smtp.inbox.to(ref.email) if f"“{label}”" in _bodies(m)[1]]


@pytest.mark.parametrize("kind", KINDS)
def test_the_email_of_each_kind(app, world, smtp, kind):
    if kind not in SCENARIOS:
        pytest.fail(f"no email scenario for {kind!r}: add one to SCENARIOS")
    expected = SCENARIOS[kind](app, world)
    drain(app)
    label = KIND_LABELS[kind]
    assert expected
    for want in expected:
        # a long subject is folded after "Subject:"; the parser keeps the fold's space, mail clients drop it
        messages = [m for m in _of_kind(smtp, want.to, label) if m["Subject"].strip() == want.subject]
        assert len(messages) == 1, (want.to.email, [m["Subject"] for m in smtp.inbox.to(want.to.email)])
        [message] = messages
        text, html = _bodies(message)
        assert text.startswith(f"Hello {want.to.name},")
        link = BASE + want.link
        for body in (text, html):
            assert want.reference in body and want.client_name in body
            assert link in body
            assert label in body and PREFERENCES_URL in body and "Agency A on Backline" in body  # the footer
        for phrase in want.says:
            assert phrase in html, phrase
            assert phrase.replace("&#39;", "'") in text, phrase
        if want.client:
            for body in (text, html):
                assert "/tasks/" not in body  # only portal links for client users
                assert not any(secret in body for secret in INTERNAL)
        for other in want.not_to:
            assert _of_kind(smtp, other, label) == [], other.email
