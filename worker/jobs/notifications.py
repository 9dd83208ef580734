"""Notification email jobs."""

from worker.runtime import tenant_job


@tenant_job
def send_notification_email(notification_id: str) -> str:
    from app.notifications.emails import send_notification_email as send

    return send(notification_id)


@tenant_job
def resume_interrupted_emails() -> int:
    from app.notifications.emails import resume_interrupted_emails as resume

    return resume()
