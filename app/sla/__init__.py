"""SLA: business calendars, policies, clocks, warnings, breaches and reports."""


def init_app(app) -> None:
    """Follow the task services' changes, and give pages the clock helpers."""
    from app.sla import clocks, display

    clocks.init_app(app)
    display.init_app(app)
