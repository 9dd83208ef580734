"""Tests of work: tasks, queues, lists, comments, files, checklists, approvals, time and recurrence."""
