"""`python -m worker run|cron`: the worker and cron processes (REDIS_URL required)."""
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
        queues = [Queue(name, connection=connection) for name in (argv[2:] or ["default"])]
        SimpleWorker(queues, connection=connection).work(with_scheduler=True)
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
