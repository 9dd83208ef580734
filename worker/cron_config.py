"""`rq cron worker.cron_config`: registers the periodic schedule with RQ's cron scheduler."""

from rq import cron

from worker.jobs.periodic import fan_out
from worker.schedule import PERIODIC

for _name, seconds, path in PERIODIC:
    cron.register(fan_out, queue_name="default", args=(path,), interval=seconds)
