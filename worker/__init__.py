"""The worker process: RQ queues, the periodic schedule, and thin job functions."""
