"""Periodic document reminders for one agency: tell clients of documents due soon or overdue, at most daily per request."""

from worker.runtime import tenant_job


@tenant_job
def remind_document_requests() -> dict:
    from app.work.services.documents import send_reminders

    return send_reminders()
