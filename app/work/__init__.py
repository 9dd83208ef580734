"""Work: queues, tasks and everything on them, time tracking and recurring work."""
