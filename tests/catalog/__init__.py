"""Tests of the service catalog: service lines, task types, custom fields and checklists."""
