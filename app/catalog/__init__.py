"""The service catalog: service lines, task types with checklists and custom fields, and each client's services."""
