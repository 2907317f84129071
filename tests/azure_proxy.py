"""A path-rewriting proxy on 127.0.0.1 that speaks Azure OpenAI's URL layout in front of an OpenAI-shaped server.

Azure: POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V with an `api-key` header;
files and batches under {endpoint}/openai/files and /openai/batches. The proxy checks the key and the API
version as Azure would (401, 404), records what it saw, and forwards to the upstream's /v1/… paths: a real
llama-server in the integration tests, a test server in the others.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEPLOYMENT_PATH = re.compile(r"^/openai/deployments/([^/]+)(/chat/completions)$")


class AzureProxy:
    def __init__(self, upstream: str, api_key: str = "azure-test-key", api_version: str = "2024-10-21"):
        self.upstream = upstream.rstrip("/")  # e.g. http://127.0.0.1:PORT (its /v1 paths are called)
        self.api_key = api_key
        self.api_version = api_version
        self.seen: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self, method: str) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))) if method == "POST" else None
                version = parse_qs(parts.query).get("api-version", [None])[0]
                deployment = DEPLOYMENT_PATH.match(parts.path)
                proxy.seen.append({"method": method, "path": parts.path, "api_version": version,
                                   "api_key": self.headers.get("api-key"), "deployment": deployment and deployment.group(1)})
                if self.headers.get("api-key") != proxy.api_key:
                    self._answer(401, b'{"error": {"code": "401", "message": "Access denied due to invalid subscription '
                                      b'key or wrong API endpoint."}}')
                    return
                if version != proxy.api_version:
                    self._answer(404, b'{"error": {"code": "404", "message": "Resource not found"}}')
                    return
                if deployment:
                    path = "/v1" + deployment.group(2)
                elif parts.path.startswith("/openai/"):
                    path = "/v1/" + parts.path[len("/openai/"):]
                else:
                    self._answer(404, b'{"error": {"code": "404", "message": "Resource not found"}}')
                    return
                headers = {"Content-Type": self.headers.get("Content-Type", "application/json")}
                request = urllib.request.Request(proxy.upstream + path, data=raw, method=method, headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=600) as response:
                        self._answer(response.status, response.read(), response.headers.get("Content-Type", ""))
                except urllib.error.HTTPError as error:
                    self._answer(error.code, error.read())

            def do_POST(self):
                self._forward("POST")

            def do_GET(self):
                self._forward("GET")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> AzureProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
