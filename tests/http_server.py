"""The suite's one local HTTP server: a folder on 127.0.0.1, misbehaving on request.

The browser checks serve the built book with it, the download tests use it as a data
mirror. ``misbehave`` maps a file name to "cut" (half the body, full Content-Length,
then close), "cut-no-length" (half the body, no length, close) or "stall" (half the
body, then wait for ``release``); every request path is recorded in ``requests``.
"""

import contextlib
import functools
import http.server
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path


class LocalServer(http.server.ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1 serving a folder from a thread."""

    daemon_threads = True

    def __init__(
        self, folder: Path, misbehave: dict[str, str] | None = None, delay: float = 0.0
    ) -> None:
        handler = functools.partial(_Handler, directory=str(folder))
        super().__init__(("127.0.0.1", 0), handler)
        self.folder, self.misbehave, self.delay = folder, misbehave or {}, delay
        self.requests: list[str] = []
        self.stalled = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        """Return the base URL (ending in a slash)."""
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def handle_error(self, request: object, client_address: tuple) -> None:
        """Report errors other than a client hanging up (a browser leaving a page)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def start(self) -> "LocalServer":
        """Serve from a daemon thread; return self."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Release stalled answers, stop serving and close the socket."""
        self.release.set()
        self.shutdown()
        self.server_close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve files of the server's folder, whole or broken as the server is told."""

    server: LocalServer

    def do_GET(self) -> None:
        """Send a file, after the server's delay, whole or misbehaving as it is told."""
        name = self.path.split("?", 1)[0].lstrip("/")
        self.server.requests.append(name)
        time.sleep(self.server.delay)
        mode = self.server.misbehave.get(name)
        if mode is None:
            super().do_GET()
            return
        data = (self.server.folder / name).read_bytes()
        self.send_response(200)
        if mode != "cut-no-length":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        if mode == "stall":
            self.server.stalled.set()
            self.server.release.wait(60)

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: keep the test output quiet."""


@contextlib.contextmanager
def serving(
    folder: Path, misbehave: dict[str, str] | None = None, delay: float = 0.0
) -> Iterator[LocalServer]:
    """Serve a folder for the duration of a with-block; yield the running server."""
    server = LocalServer(folder, misbehave, delay).start()
    try:
        yield server
    finally:
        server.stop()
