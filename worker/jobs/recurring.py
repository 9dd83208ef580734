"""Periodic generation of an agency's recurring tasks that are due."""

from worker.runtime import tenant_job


@tenant_job
def generate_recurring_tasks() -> dict:
    from app.work.services.recurrence import generate_due_tasks

    return generate_due_tasks()
