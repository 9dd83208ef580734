"""Run requests against an application made in a process of its own, with the environment it is given.

`python -m tests.support.app_process '<json>'`: {"config": {...}, "requests": [{"method", "path", "data", "json",
"headers", "remote_addr"}]}; prints one JSON line per response (status, headers, body). The test suite uses it to meet the app
as a separate process would: another gunicorn worker, or one whose Redis or database is unreachable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(spec: dict) -> None:
    from app import create_app

    app = create_app({"TESTING": True, **spec.get("config", {})})
    client = app.test_client()
    for request in spec["requests"]:
        response = client.open(
            request["path"],
            method=request.get("method", "GET"),
            data=request.get("data"),
            json=request.get("json"),
            headers=request.get("headers"),
            environ_base={"REMOTE_ADDR": request.get("remote_addr", "127.0.0.1")},
        )
        print(
            json.dumps({"status": response.status_code, "headers": dict(response.headers), "body": response.get_data(as_text=True)[:4000]}),
            flush=True,
        )


def run(requests: list[dict], *, env: dict, config: dict | None = None, timeout: float = 120) -> tuple[list[dict], str]:
    """Run `requests` in a new process with `env` added to this one's environment; the responses and its log."""
    full_env = {**os.environ, "WTF_CSRF_ENABLED": "0", **env}
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.app_process", json.dumps({"config": config or {}, "requests": requests})],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")], result.stderr


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))


def reachable_redis_url() -> str | None:
    """A reachable Redis (the PostgreSQL run's, or the local one), else None."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except (RedisError, OSError):
        return None
    return url
