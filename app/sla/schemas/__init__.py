"""Marshmallow schemas of the SLA API: settings (`settings`) and reports (`reports`)."""
