"""factory_boy factories for tenant rows; each takes the agency (and client) it belongs to."""

from __future__ import annotations

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.accounts.models import ApiToken, Invitation, PasswordReset, User
from app.accounts.passwords import hash_password
from app.catalog.models import ClientService, ServiceLine, TaskType
from app.clients.models import ClientStaff
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import Notification, NotificationPreference
from app.work.models import (
    Activity,
    Attachment,
    ChecklistItem,
    Comment,
    Queue,
    QueueMember,
    RecurringSchedule,
    SavedFilter,
    Task,
    TimeEntry,
    Watcher,
)
from tenants.models import Agency, Client

PASSWORD = "correct horse battery"
_PASSWORD_HASH = None


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class AgencyFactory(Base):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    timezone = "Europe/London"  # explicit, so what tests expect to read does not depend on a default
    locale = "en_GB"


class ClientFactory(Base):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Ltd")
    timezone = "Europe/London"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    role = "staff"
    password_hash = factory.LazyFunction(password_hash)


class ClientStaffFactory(Base):
    class Meta:
        model = ClientStaff


class InvitationFactory(Base):
    class Meta:
        model = Invitation

    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=3))


class PasswordResetFactory(Base):
    class Meta:
        model = PasswordReset

    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(hours=1))


class ApiTokenFactory(Base):
    class Meta:
        model = ApiToken

    name = "test token"
    prefix = "abcdef"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


# --- catalog and work ------------------------------------------------------------------------


class ServiceLineFactory(Base):
    class Meta:
        model = ServiceLine

    name = factory.Sequence(lambda n: f"Service {n}")
    code = factory.Sequence(lambda n: f"S{n}")


class QueueFactory(Base):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")


class QueueMemberFactory(Base):
    class Meta:
        model = QueueMember


class TaskTypeFactory(Base):
    class Meta:
        model = TaskType

    name = factory.Sequence(lambda n: f"Task type {n}")
    default_priority = "normal"
    checklist_template = factory.LazyFunction(
        lambda: [{"title": "Check the numbers", "required": True}, {"title": "Send the summary", "required": False}]
    )
    custom_fields = factory.LazyFunction(
        lambda: [{"key": "period", "label": "Period", "type": "date", "required": False, "choices": [], "help": None}]
    )


class ClientServiceFactory(Base):
    class Meta:
        model = ClientService


class TaskFactory(Base):
    class Meta:
        model = Task

    number = factory.Sequence(lambda n: 5000 + n)
    reference = factory.LazyAttribute(lambda o: f"T-{o.number}")
    title = factory.Sequence(lambda n: f"Task {n}")
    priority = "normal"
    priority_rank = 2
    status = "new"
    custom_values = factory.LazyFunction(dict)


class ChecklistItemFactory(Base):
    class Meta:
        model = ChecklistItem

    title = "Check the numbers"
    required = True


class CommentFactory(Base):
    class Meta:
        model = Comment

    body = "A comment"


class AttachmentFactory(Base):
    class Meta:
        model = Attachment

    filename = "statement.pdf"
    content_type = "application/pdf"
    size_bytes = 4
    sha256 = "0" * 64
    storage_key = factory.Sequence(lambda n: f"missing/{n}")


class ActivityFactory(Base):
    class Meta:
        model = Activity

    kind = "created"


class WatcherFactory(Base):
    class Meta:
        model = Watcher


class SavedFilterFactory(Base):
    class Meta:
        model = SavedFilter

    name = factory.Sequence(lambda n: f"Filter {n}")
    view = "my_work"
    query = "priority=urgent"


class TimeEntryFactory(Base):
    class Meta:
        model = TimeEntry

    started_at = factory.LazyFunction(lambda: utcnow() - timedelta(hours=1))
    ended_at = factory.LazyFunction(utcnow)
    minutes = 60


class RecurringScheduleFactory(Base):
    class Meta:
        model = RecurringSchedule

    title = "Monthly close"
    frequency = "monthly_day"
    day_of_month = 5
    starts_on = factory.LazyFunction(lambda: utcnow().date())


class NotificationFactory(Base):
    class Meta:
        model = Notification

    kind = "assigned"
    title = "Something happened"


class NotificationPreferenceFactory(Base):
    class Meta:
        model = NotificationPreference

    kind = "status_changed"
    in_app = True
    email = False
