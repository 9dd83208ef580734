"""SLA JSON endpoints under /api/v1/sla: settings and reports."""
