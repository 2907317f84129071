"""A real HTTP server on 127.0.0.1 that speaks OpenAI chat completions and injects faults on cue.

Each request takes the next fault from `faults` (then answers normally when the list is empty):
  "429"        HTTP 429 with Retry-After: 1
  "500", "529" server errors
  "reset"      the connection is closed without an answer
  "timeout"    the answer comes after `slow_seconds` (longer than the client's time-out)
  "not-json"   HTTP 200 with an HTML body
  "bad-schema" a completion whose content does not follow the answer schema
  "cut-off"    a completion stopped by the token limit (finish_reason "length")
  "echo-key"   HTTP 401 whose body repeats the Authorization header (a careless server)
A normal answer is a statement made from the first half of the <source> sentence in the prompt plus
an opinion (「…ことが重要だ」), so it passes polis-seed's grounding and form rules.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FaultServer:
    def __init__(self, faults: list[str] | None = None, slow_seconds: float = 3.0, delay_seconds: float = 0.0,
                 context_tokens: int = 4096):
        self.context_tokens = context_tokens
        self.faults = list(faults or [])
        # (text, fault): the first request whose last message holds the text gets the fault, once, whatever the
        # order concurrent requests arrive in.
        self.faults_when: list[tuple[str, str]] = []
        self.slow_seconds = slow_seconds
        self.delay_seconds = delay_seconds  # every normal answer waits this long (to interrupt a run mid-way)
        self.requests: list[dict] = []
        self.helper_requests: list[dict] = []
        self.helpers = {"TopicAnswer": {"topic": "公共施設予約のオンライン化", "terms": ["予約"]},
                        "Agreement": {"answer": "yes"}}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                # Like llama-server: the context window it serves, which `--strategy auto` asks for.
                if self.path.rstrip("/").endswith("/props"):
                    payload = json.dumps({"default_generation_settings": {"n_ctx": server.context_tokens}}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
                if schema in server.helpers:
                    # The subject and the stance requests: answered, not counted, and never given a fault.
                    with server._lock:
                        server.helper_requests.append(body)
                    server.respond(self, None, body, content=json.dumps(server.helpers[schema], ensure_ascii=False))
                    return
                with server._lock:
                    server.requests.append({"body": body, "authorization": self.headers.get("Authorization", "")})
                    fault = server.faults.pop(0) if server.faults else None
                    asked = (body.get("messages") or [{}])[-1].get("content", "")
                    keyed = next((entry for entry in server.faults_when if entry[0] in asked), None)
                    if keyed is not None:
                        server.faults_when.remove(keyed)
                        fault = keyed[1]
                try:
                    server.respond(self, fault, body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its time-out): nothing to answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def statement_for(body: dict) -> str:
        """The subject, then the first half of the last source sentence, then an opinion: it names its
        subject and is grounded, so it passes polis-seed's rules."""
        prompt = body["messages"][-1]["content"]
        sources = re.findall(r"<source>(.*?)</source>", "\n".join(m["content"] for m in body["messages"]), re.S)
        subjects = re.findall(r"^(?:主題|Subject): (.+)$", "\n".join(m["content"] for m in body["messages"]), re.M)
        source = sources[-1] if sources else prompt
        source = re.sub(r"[、。．,.!?！？「」0-9０-９]", "", source)
        subject = f"{subjects[-1]}では" if subjects and subjects[-1].strip() else ""
        return subject + source[:max(14, len(source) // 2)] + "ことが重要だ"

    def respond(self, handler: BaseHTTPRequestHandler, fault: str | None, body: dict, content: str | None = None) -> None:
        def send(status: int, payload: bytes, content_type: str = "application/json", headers: dict | None = None):
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)

        def completion(content: str, finish_reason: str = "stop") -> bytes:
            return json.dumps({
                "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": body.get("model"),
                "choices": [{"index": 0, "finish_reason": finish_reason,
                             "message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }).encode()

        if fault == "429":
            send(429, b'{"error": {"message": "rate limited", "type": "rate_limit"}}', headers={"Retry-After": "1"})
        elif fault in ("500", "529"):
            send(int(fault), b'{"error": {"message": "server trouble", "type": "server_error"}}')
        elif fault == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            handler.connection.close()
        elif fault == "timeout":
            time.sleep(self.slow_seconds)
            send(200, completion(json.dumps({"statements": [self.statement_for(body)]}, ensure_ascii=False)))
        elif fault == "not-json":
            send(200, b"<html><body>Bad gateway</body></html>", content_type="text/html")
        elif fault == "bad-schema":
            send(200, completion('{"wrong": "shape"}'))
        elif fault == "cut-off":
            send(200, completion('{"statements": ["途中で切れた答', finish_reason="length"))
        elif fault == "echo-key":
            message = f"invalid key: {handler.headers.get('Authorization', '')}"
            send(401, json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode())
        else:
            time.sleep(self.delay_seconds)
            send(200, completion(content or json.dumps({"statements": [self.statement_for(body)]}, ensure_ascii=False)))


def cached_answers(cache: Path) -> int:
    """How many model answers the cache folder holds."""
    with sqlite3.connect(cache / "llm-calls.sqlite3") as db:
        return db.execute("SELECT count(*) FROM calls").fetchone()[0]


def assert_the_rerun_asks_only_what_is_not_cached(server: FaultServer, args: list[str], report_path: Path,
                                                  finished: int) -> None:
    """Run `args` again after an interruption: it succeeds, answers at least the `finished` requests from the
    cache, and sends the server exactly the requests it did not find there."""
    asked_before = len(server.requests) + len(server.helper_requests)
    rerun = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))["report"]
    assert report["cached_responses"] >= finished
    asked = len(server.requests) + len(server.helper_requests)
    assert asked - asked_before == report["requests"] - report["cached_responses"]
