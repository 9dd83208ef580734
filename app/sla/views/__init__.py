"""SLA pages: settings (calendars, policies and rules, client holidays) and reports.

The `sla` blueprint lives in `blueprint`; `settings` and `reports` declare their `routes`, attached by the app factory.
"""
