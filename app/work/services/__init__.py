"""Writes on work: tasks and their transitions, checklists, comments, attachments, time, recurrence."""
