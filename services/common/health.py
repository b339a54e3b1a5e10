"""A tiny HTTP health endpoint (`/livez`, `/readyz`) for processes without a gRPC server."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable


def serve_health(host: str, port: int, ready: Callable[[], bool], live: Callable[[], bool] = lambda: True):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            check = {"/livez": live, "/readyz": ready}.get(self.path.split("?")[0])
            if check is None:
                self.send_response(404)
                self.end_headers()
                return
            ok = bool(check())
            try:
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok\n" if ok else b"not ready\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the prober gave up waiting; it will ask again

        def log_message(self, *args):
            return

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
