"""The app on a real threaded WSGI server on 127.0.0.1 and a free port, as a third party reaches it."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """Serves requests without a log line for each (errors are still logged)."""

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def serve(app):
    """Yields the base URL while the server runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
