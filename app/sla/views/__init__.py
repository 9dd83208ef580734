"""SLA pages: settings (calendars, policies and rules, client holidays) and reports; routes attach to `bp`."""
from app.sla.views import reports, settings  # noqa: F401
from app.sla.views.blueprint import bp

__all__ = ["bp"]
