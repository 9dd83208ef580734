"""Agencies: provisioning a new agency (first admin, default catalog and SLA) and the operator's `flask tenants` commands."""
