"""Every email parses as strict RFC 5322 with Date, Message-ID, Auto-Submitted and a whole HTML document; notification
emails carry a one-click unsubscribe (RFC 8058) that works signed out, for their kind only."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime
from email.policy import default
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notifications.models import NotificationPreference
from app.work.models import Task
from app.work.services import comments as comment_services
from app.work.services import tasks as task_services
from tests.notifications.conftest import acting, in_agency, notes_of
from tests.worker.test_jobs import drain

STRICT = default.clone(raise_on_defect=True)
NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
SENDER = "Agency A Notices <notices@mail.agency-a.example>"


class _Head(HTMLParser):
    """The document's structure as a browser reads it: doctype, head, meta charset, title text."""

    def __init__(self):
        super().__init__()
        self.doctype, self.tags, self.charset, self.title, self._in_title = None, [], None, "", False

    def handle_decl(self, decl):
        self.doctype = decl.lower()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "meta" and dict(attrs).get("charset"):
            self.charset = dict(attrs)["charset"].lower()
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _strict(raw: bytes):
    message = email.message_from_bytes(raw, policy=STRICT)
    assert message.defects == []
    for name in message.keys():
        assert message[name].defects == (), name  # every header parses without a defect
    return message


def _raw_to(smtp, address: str) -> list[bytes]:
    return [raw for raw, parsed in zip(smtp.inbox.raw, smtp.inbox.messages, strict=True) if parsed["To"] == address]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _check_standard_headers(message, sent_between):
    # The job may run in a worker process (RQ on Redis), outside any frozen clock: the Date is when it was sent.
    earliest, latest = sent_between
    assert message["Date"].datetime.utcoffset() is not None
    assert earliest <= message["Date"].datetime <= latest
    assert re.fullmatch(r"<[^<>@\s]+@mail\.agency-a\.example>", str(message["Message-ID"]))
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"].addresses[0].addr_spec == "notices@mail.agency-a.example"
    html = message.get_body(preferencelist=("html",)).get_content()
    head = _Head()
    head.feed(html)
    assert head.doctype == "doctype html"
    assert head.tags[:3] == ["html", "head", "meta"] and "body" in head.tags
    assert head.tags.index("title") < head.tags.index("body")
    assert head.charset == "utf-8"
    assert head.title == str(message["Subject"]).strip()
    return html


@pytest.fixture
def sender(app):
    previous = app.config["MAIL_FROM"]
    app.config["MAIL_FROM"] = SENDER
    yield SENDER
    app.config["MAIL_FROM"] = previous


def _task(world) -> Task:
    return db.session.scalar(select(Task).where(Task.id == world.a.task_id))


def _assign_to_staff(app, world):
    with acting(app, world.a.agency_admin) as admin:
        task_services.assign(_task(world), admin, None)
        task_services.assign(_task(world), admin, world.a.staff.id)


def test_invitation_and_password_reset_are_standard_and_offer_no_unsubscribe(app, world, smtp, as_user, sender):
    app.config["WTF_CSRF_ENABLED"] = False
    earliest = _now()
    assert (
        as_user(world.a.agency_admin).post("/api/v1/users", json={"email": "new.hire@a.test", "name": "New Hire", "role": "staff"}).status_code == 201
    )
    app.test_client().post("/password/forgot", data={"workspace": "agency-a", "email": world.a.staff.email})
    drain(app)
    sent_between = (earliest, _now())
    for address, subject in (("new.hire@a.test", "You're invited to Agency A on Backline"), (world.a.staff.email, "Reset your Agency A password")):
        [raw] = _raw_to(smtp, address)
        message = _strict(raw)
        assert message["Subject"] == subject
        _check_standard_headers(message, sent_between)
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None  # not notifications


def test_a_notification_email_is_standard_and_carries_a_one_click_unsubscribe(app, world, smtp, sender):
    earliest = _now()
    _assign_to_staff(app, world)
    drain(app)
    [raw] = _raw_to(smtp, world.a.staff.email)
    message = _strict(raw)
    html = _check_standard_headers(message, (earliest, _now()))
    url = re.fullmatch(r"<(http://backline\.test/unsubscribe/[A-Za-z0-9_.\-]+)>", str(message["List-Unsubscribe"])).group(1)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'<a href="{url}"' in html and "Unsubscribe from these emails" in html  # the footer's visible link
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert url in text


def _unsubscribe_url(app, smtp, address: str) -> str:
    drain(app)
    [raw] = _raw_to(smtp, address)
    return re.fullmatch(r"<http://backline\.test(/unsubscribe/\S+)>", str(_strict(raw)["List-Unsubscribe"])).group(1)


def _email_pref(app, ref, kind):
    with in_agency(app, ref.agency_id) as session:
        row = session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == ref.id, NotificationPreference.kind == kind))
        return None if row is None else (row.in_app, row.email)


def test_one_click_unsubscribe_signed_out_stops_that_kind_only(app, world, smtp):
    _assign_to_staff(app, world)
    path = _unsubscribe_url(app, smtp, world.a.staff.email)
    smtp.inbox.messages.clear(), smtp.inbox.raw.clear()

    # What a mail client sends (RFC 8058): a form POST with no cookie and no CSRF token.
    answer = app.test_client().post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.get_data(as_text=True)
    assert _email_pref(app, world.a.staff, "assigned") == (True, False)  # email off, the app keeps showing it
    assert app.test_client().post(path, data="List-Unsubscribe=One-Click").status_code == 200  # again: same outcome

    before = [n.kind for n in notes_of(app, world.a.staff)].count("assigned")
    _assign_to_staff(app, world)  # the same kind again: no email, still in the app
    drain(app)
    assert smtp.inbox.to(world.a.staff.email) == []
    assert [n.kind for n in notes_of(app, world.a.staff)].count("assigned") == before + 1

    with acting(app, world.a.client_admin) as boss:  # another kind (the staff member watches the task): emailed
        comment_services.add_comment(_task(world), boss, "The statements are attached.")
    drain(app)
    [message] = smtp.inbox.to(world.a.staff.email)
    assert "commented on" in message["Subject"]


def test_the_link_opened_in_a_browser_asks_first_and_changes_nothing(app, world, smtp):
    _assign_to_staff(app, world)
    path = _unsubscribe_url(app, smtp, world.a.staff.email)
    page = app.test_client().get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Unsubscribe from these emails?" in html and "Assigned to me" in html and world.a.staff.email in html
    assert re.search(rf'<form method="post" action="{re.escape(path)}">\s*<button type="submit"', html)
    assert _email_pref(app, world.a.staff, "assigned") is None  # nothing saved: still both on
    # The page's button posts without a CSRF token (there is no session to tie one to).
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert app.test_client().post(path).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _email_pref(app, world.a.staff, "assigned") == (True, False)


def test_a_client_user_unsubscribes_in_their_own_company(app, world):
    from app.notifications.links import unsubscribe_url

    with acting(app, world.a.client_admin) as boss:
        path = unsubscribe_url(boss, "document_requested").removeprefix("http://backline.test")
    assert app.test_client().post(path).status_code == 200
    assert _email_pref(app, world.a.client_admin, "document_requested") == (True, False)
    assert _email_pref(app, world.a.client_member, "document_requested") is None


def _forged(app, payload: dict) -> str:
    from app.notifications import links

    with app.app_context():
        return "/unsubscribe/" + links._serializer().dumps(payload)


def test_a_tampered_or_foreign_link_is_refused_and_changes_nothing(app, world, smtp):
    from app.accounts import links as account_links

    _assign_to_staff(app, world)
    path = _unsubscribe_url(app, smtp, world.a.staff.email)
    token = path.rsplit("/", 1)[1]
    a, staff_a, staff_b = str(world.a.agency_id), str(world.a.staff.id), str(world.b.staff.id)
    with app.app_context():
        invitation_token = account_links.make_token("invite", world.a.agency_id, world.a.staff.id)
    bad = [
        path[:-3] + ("xyz" if not path.endswith("xyz") else "abc"),  # signature broken
        "/unsubscribe/" + token.rsplit(".", 1)[0],  # payload without signature
        "/unsubscribe/" + invitation_token,  # another kind of link
        "/unsubscribe/not-a-token",
        _forged(app, {"a": a, "u": staff_b, "k": "assigned"}),  # agency B's user under agency A: nobody
        _forged(app, {"a": str(world.b.agency_id), "u": staff_a, "k": "assigned"}),  # and the reverse
        _forged(app, {"a": a, "u": staff_a, "k": "document_requested"}),  # a kind staff never receive
        _forged(app, {"a": a, "u": staff_a, "k": "no_such_kind"}),
        _forged(app, {"a": a, "u": "not-a-uuid", "k": "assigned"}),
    ]
    with in_agency(app, world.b.agency_id) as session:
        agency_b_before = [(r.user_id, r.kind, r.in_app, r.email) for r in session.scalars(select(NotificationPreference))]
    for url in bad:
        for method in ("get", "post"):
            answer = getattr(app.test_client(), method)(url)
            assert answer.status_code == 404, (url, method)
            assert "This link is not valid" in answer.get_data(as_text=True), url
    assert _email_pref(app, world.a.staff, "assigned") is None
    assert _email_pref(app, world.b.staff, "assigned") is None
    with in_agency(app, world.b.agency_id) as session:
        assert [(r.user_id, r.kind, r.in_app, r.email) for r in session.scalars(select(NotificationPreference))] == agency_b_before


def test_a_suspended_agency_link_is_refused(app, world, smtp):
    from tenants.models import Agency

    _assign_to_staff(app, world)
    path = _unsubscribe_url(app, smtp, world.a.staff.email)
    with app.app_context():
        db.session.get(Agency, world.a.agency_id).suspended_at = NOW
        db.session.commit()
    assert app.test_client().post(path).status_code == 404
    assert _email_pref(app, world.a.staff, "assigned") is None
