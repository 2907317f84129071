"""`polis-seed review DIR`: the review page, served on 127.0.0.1 only.

The standard library's threading HTTP server is enough: one user, a handful of requests a second. The
page and its API live under a random token (`http://127.0.0.1:PORT/TOKEN/`), so another local program
or a web page in the same browser cannot read or change the review without the URL; requests whose Host
is not this server (DNS rebinding) are refused. Every change goes through ReviewStore, which has it on
disk before the answer is sent.

API (JSON):
  GET  /TOKEN/api/state            the whole review (items with findings, version)
  POST /TOKEN/api/change           {op, id, rev, text, angle, stance} → {version, item}; 409 with the
                                   current item when it changed in another tab; 400 with the reason
  POST /TOKEN/api/lint             {text} → {findings}: the rules on a text being edited or added, in the run's
                                   context (language, length targets, subject; as generate checks), in the page's
                                   language
"""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from collections.abc import Callable
from typing import Any

from ..errors import InputError
from .store import Change, ChangeError, Conflict, ReviewStore, findings_for

MAX_BODY = 1_000_000


def page_html(nonce: str) -> str:
    return resources.files("polis_seed.review").joinpath("page.html").read_text(encoding="utf-8").replace(
        "{{nonce}}", nonce)


class ReviewServer:
    """The review of one folder on 127.0.0.1:port (0 = a free port), under a random token."""

    def __init__(self, store: ReviewStore, port: int = 0, token: str | None = None):
        self.store = store
        self.token = token or secrets.token_urlsafe(18)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows the URL only
                return

            def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.send_header("Referrer-Policy", "no-referrer")
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: Any) -> None:
                self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

            def _route(self) -> str | None:
                """The path after the token, or None (and a 404 sent) for anything else."""
                host = (self.headers.get("Host") or "").lower()
                if host not in (f"127.0.0.1:{server.port}", f"localhost:{server.port}"):
                    self._json(403, {"error": "this server answers on 127.0.0.1 only"})
                    return None
                prefix = f"/{server.token}/"
                path = self.path.split("?", 1)[0]
                if path == prefix.rstrip("/"):
                    self._send(301, b"", "text/plain", {"Location": prefix})
                    return None
                if not path.startswith(prefix) or not secrets.compare_digest(path[:len(prefix)], prefix):
                    self._json(404, {"error": "not found; open the URL polis-seed review printed"})
                    return None
                return path[len(prefix):]

            def _body(self) -> dict[str, Any] | None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._json(413, {"error": "too large"})
                    return None
                try:
                    data = json.loads(self.rfile.read(length).decode("utf-8") or "{}")
                except (UnicodeDecodeError, json.JSONDecodeError):
                    self._json(400, {"error": "the request was not JSON"})
                    return None
                if not isinstance(data, dict):
                    self._json(400, {"error": "the request was not a JSON object"})
                    return None
                return data

            def do_GET(self) -> None:
                route = self._route()
                if route is None:
                    return
                if route == "":
                    nonce = secrets.token_urlsafe(12)
                    self._send(200, page_html(nonce).encode("utf-8"), "text/html; charset=utf-8", {
                        "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                                   "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:"})
                elif route == "api/state":
                    self._json(200, server.store.snapshot())
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                route = self._route()
                if route is None:
                    return
                if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                    self._json(415, {"error": "send JSON"})  # a form on another site cannot send this
                    return
                data = self._body()
                if data is None:
                    return
                if route == "api/change":
                    try:
                        self._json(200, server.store.apply(Change.from_json(data)))
                    except Conflict as conflict:
                        self._json(409, {"error": "changed in another tab; this is the current version",
                                         "item": server.store.view(conflict.item)})
                    except ChangeError as error:  # the page shows it: in the page's language
                        self._json(400, {"error": error.reason.text(server.store.language())})
                elif route == "api/lint":
                    self._json(200, {"findings": findings_for(str(data.get("text") or ""), server.store.rule_context(),
                                                              server.store.language())})
                else:
                    self._json(404, {"error": "not found"})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.token}/"

    def serve_forever(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.httpd.server_close()

    def start(self) -> ReviewServer:
        """Serve on a background thread (tests)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        if self._thread:
            self._thread.join()


def serve_review(folder: Path, max_chars: int, port: int, open_browser: bool, tell: Callable[[str], None]) -> None:
    """`polis-seed review DIR`: the address on stdout (the first line, for scripts), then serve until Ctrl-C."""
    import webbrowser

    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder; give the folder `polis-seed run -o DIR` wrote")
    server = ReviewServer(ReviewStore(folder, max_chars), port)
    print(f"review {folder} at {server.url}", flush=True)
    tell("only this computer can open it (127.0.0.1, with the key in the address); every change is saved at once "
         f"to {folder / 'reviewed.jsonl'} and {folder / 'polis.csv'}; Ctrl-C to stop")
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        tell("stopped; every change was saved")
