"""`python -m worker run [QUEUE...] [--burst]` and `python -m worker cron`: the worker and cron processes."""

import os
import sys


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "run"
    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set: without Redis, jobs run inside the web process.", file=sys.stderr)
        return 2
    from redis import Redis

    connection = Redis.from_url(url)
    if command == "run":
        from rq import Queue
        from rq.worker import SimpleWorker

        from worker.runtime import get_app

        get_app()  # fail fast on bad configuration, before taking jobs
        burst = "--burst" in argv
        names = [a for a in argv[2:] if not a.startswith("--")] or ["default"]
        queues = [Queue(name, connection=connection) for name in names]
        # Maintenance every minute (RQ's default is ten): a job whose worker was killed is found once its heartbeat
        # lapses (about 90 s) and retried then, rather than ten minutes later.
        SimpleWorker(queues, connection=connection, maintenance_interval=60).work(burst=burst, with_scheduler=not burst)
        return 0
    if command == "cron":
        from rq.cron import CronScheduler

        scheduler = CronScheduler(connection=connection)
        scheduler.load_config_from_file("worker.cron_config")
        scheduler.start()
        return 0
    print(f"unknown command {command!r}; use run or cron", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
