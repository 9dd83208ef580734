"""The periodic schedule, shared by `rq cron` (production) and the embedded background thread."""

# (name, every N seconds, per-agency job path). Each job works from database state, so a missed
# run is caught up by the next one.
PERIODIC = [
    ("purge-expired", 3600, "worker.jobs.housekeeping.purge_expired"),
    ("recurring-tasks", 900, "worker.jobs.recurring.generate_recurring_tasks"),
    ("sla-sweep", 60, "worker.jobs.sla.sweep_sla"),
    # Jobs whose unit of work committed while Redis was unreachable wait in the outbox; sent once it answers again.
    ("job-outbox", 60, "worker.jobs.outbox.relay_outbox"),
    # Notification emails whose sender stopped half-way (a killed worker) are sent again once their claim lapses.
    ("unsent-emails", 30, "worker.jobs.notifications.resume_interrupted_emails"),
    # Hourly, so each client is reminded soon after the day turns in its own time zone; a request is reminded at
    # most once a day (its last_reminded_at says when).
    ("document-reminders", 3600, "worker.jobs.documents.remind_document_requests"),
]
