"""The client portal: what a client company's people see and do (requests, answers, their SLA results)."""
