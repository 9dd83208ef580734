"""Account email jobs."""

from worker.runtime import tenant_job


@tenant_job
def send_invitation(invitation_id: str) -> str:
    from app.accounts.notifications import send_invitation_email

    return send_invitation_email(invitation_id)


@tenant_job
def send_password_reset(reset_id: str) -> str:
    from app.accounts.notifications import send_password_reset_email

    return send_password_reset_email(reset_id)


@tenant_job
def send_sign_in_alert(user_id: str) -> str:
    from app.accounts.notifications import send_sign_in_alert_email

    return send_sign_in_alert_email(user_id)
