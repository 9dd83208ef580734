"""Marshmallow input and output schemas of the work API, one module per area (tasks, lists, queues, schedules, time...)."""
