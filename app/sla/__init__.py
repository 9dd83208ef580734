"""SLA: business calendars, policies, clocks, warnings, breaches and reports."""
