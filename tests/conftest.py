"""Shared fixtures: the real data beside the checkout, a quiet local HTTP server."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = Path(os.environ.get("AUDIO2DIGEST_SHARED", ROOT.parent / "shared"))
REAL_CLIPS = SHARED / "real-clips"
DEV_EPISODES = SHARED / "dev-episodes"


def assert_heard(
    reference: str,
    hypothesis: str,
    max_error: float,
    *,
    cjk: bool = False,
    names: tuple[str, ...] = (),
    min_names: int = 0,
) -> float:
    """A real-model result checked the way it can be trusted across decoder versions: an error
    rate bound against the reference (CER for Chinese, WER otherwise) and at least
    ``min_names`` of ``names`` heard, never one particular word. Returns the error rate."""
    from audio2digest.evaluation.asr import cer, wer

    rate = cer(reference, hypothesis) if cjk else wer(reference, hypothesis)
    assert rate <= max_error, f"error rate {rate:.3f} > {max_error}: {hypothesis[:300]!r}"
    low = hypothesis.lower()
    heard = [n for n in names if n.lower() in low]
    assert len(heard) >= min_names, f"heard {heard} of {list(names)}: {hypothesis[:300]!r}"
    return rate


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"test data not found: {path}")
    return path


@pytest.fixture(scope="session")
def real_clips() -> Path:
    return need(REAL_CLIPS)


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    routes: dict = {}

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        route = self.routes.get(self.path)
        if callable(route):
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if route is not None:
            status, ctype, body = route
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        try:
            super().do_GET()
        except (BrokenPipeError, ConnectionResetError):
            pass


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 serving a directory plus fixed routes."""

    def __init__(self, directory: Path):
        self.directory = directory
        handler = type("H", (_QuietHandler,), {"routes": {}})
        self.routes = handler.routes
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(directory))
        )
        self.httpd.daemon_threads = True
        # a short poll interval: shutdown() waits up to one interval (0.5 s by default)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def route(self, path: str, body: bytes, ctype: str = "application/octet-stream", status: int = 200):
        self.routes["/" + path.lstrip("/")] = (status, ctype, body)

    def route_fn(self, path: str, fn):
        """Serve ``path`` with ``fn(handler)``: for slow, looping or odd responses."""
        self.routes["/" + path.lstrip("/")] = fn

    def trickle(
        self,
        path: str,
        *,
        head: bytes = b"",
        byte_every: float = 0.2,
        for_seconds: float = 4.0,
        ctype: str = "audio/mpeg",
        length: int = 10**6,
    ):
        """A server that connected and then sends ``head`` and one byte every ``byte_every``
        seconds, for at most ``for_seconds`` (so no test can hang on it)."""
        import time

        def fn(h):
            h.send_response(200)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(length))
            h.end_headers()
            h.wfile.write(head)
            h.wfile.flush()
            end = time.monotonic() + for_seconds
            while time.monotonic() < end:
                time.sleep(byte_every)
                h.wfile.write(b"\0")
                h.wfile.flush()

        self.route_fn(path, fn)

    def redirect(self, path: str, to: str, status: int = 302):
        def fn(h):
            h.send_response(status)
            h.send_header("Location", to)
            h.send_header("Content-Length", "0")
            h.end_headers()

        self.route_fn(path, fn)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    srv = LocalServer(root)
    yield srv
    srv.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
