"""Reads on work, shared by pages, the API, jobs and the bench: task lists, client summaries, workload, queues."""
