"""A real HTTP server on 127.0.0.1 that speaks the batch endpoints of the OpenAI and Anthropic APIs.

OpenAI: POST /v1/files (multipart upload, purpose=batch), POST /v1/batches, GET /v1/batches/{id},
GET /v1/files/{id}/content. Anthropic: POST /v1/messages/batches, GET /v1/messages/batches/{id},
GET /v1/messages/batches/{id}/results. A batch is "in progress" at its first poll and ended at the
next; each request is answered as FaultServer answers a chat request (a statement made from its source).
No real service is reachable from here: this is the edge the batch submission is tested against.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .fault_server import FaultServer


def _answer_text(messages: list[dict]) -> str:
    flat = [{"role": m["role"], "content": m["content"] if isinstance(m["content"], str)
             else "".join(block.get("text", "") for block in m["content"])} for m in messages]
    return json.dumps({"statements": [FaultServer.statement_for({"messages": flat})]}, ensure_ascii=False)


class BatchServer:
    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.polls: dict[str, int] = {}
        self.calls: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, payload, content_type="application/json", status=200):
                body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server._lock:
                    server.calls.append(f"POST {self.path}")
                    self._send(server.post(self.path, raw, self.headers.get("Content-Type", "")))

            def do_GET(self):
                with server._lock:
                    server.calls.append(f"GET {self.path}")
                    try:
                        payload, content_type = server.get(self.path)
                    except ValueError:  # /props and other probes: not a batch endpoint
                        self._send({"error": {"message": "not found"}}, status=404)
                        return
                    self._send(payload, content_type)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> BatchServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ----- OpenAI and Anthropic batch endpoints -----

    def post(self, path: str, raw: bytes, content_type: str) -> dict:
        now = int(time.time())
        if path.endswith("/files"):
            boundary = content_type.split("boundary=")[1].encode()
            part = next(p for p in raw.split(b"--" + boundary) if b'name="file"' in p)
            content = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
            return {"id": file_id, "object": "file", "bytes": len(content), "created_at": now, "filename": "in.jsonl",
                    "purpose": "batch", "status": "processed"}
        if path.endswith("/v1/batches"):
            request = json.loads(raw)
            batch_id = f"batch_{len(self.batches) + 1}"
            lines = [json.loads(line) for line in self.files[request["input_file_id"]].decode().splitlines() if line]
            self.batches[batch_id] = {"kind": "openai", "lines": lines, "endpoint": request["endpoint"]}
            return self._openai_batch(batch_id, "validating")
        if path.endswith("/messages/batches"):
            request = json.loads(raw)
            batch_id = f"msgbatch_{len(self.batches) + 1}"
            self.batches[batch_id] = {"kind": "anthropic", "lines": request["requests"]}
            return self._anthropic_batch(batch_id, "in_progress")
        raise ValueError(path)

    def get(self, path: str) -> tuple[dict | bytes, str]:
        match = re.search(r"/v1/batches/([\w-]+)$", path)
        if match:
            batch_id = match.group(1)
            self.polls[batch_id] = self.polls.get(batch_id, 0) + 1
            return self._openai_batch(batch_id, "completed" if self.polls[batch_id] > 1 else "in_progress"), \
                "application/json"
        match = re.search(r"/v1/files/([\w-]+)/content$", path)
        if match:
            batch = self.batches[match.group(1).replace("file-out-", "batch_")]
            return "".join(json.dumps(self._openai_result(line)) + "\n" for line in batch["lines"]).encode(), \
                "application/jsonl"
        match = re.search(r"/v1/messages/batches/([\w-]+)/results$", path)
        if match:
            batch = self.batches[match.group(1)]
            return "".join(json.dumps(self._anthropic_result(line)) + "\n" for line in batch["lines"]).encode(), \
                "application/x-jsonl"
        match = re.search(r"/v1/messages/batches/([\w-]+)$", path)
        if match:
            batch_id = match.group(1)
            self.polls[batch_id] = self.polls.get(batch_id, 0) + 1
            return self._anthropic_batch(batch_id, "ended" if self.polls[batch_id] > 1 else "in_progress"), \
                "application/json"
        raise ValueError(path)

    def _openai_batch(self, batch_id: str, status: str) -> dict:
        done = status == "completed"
        return {"id": batch_id, "object": "batch", "endpoint": "/v1/chat/completions", "input_file_id": "file-1",
                "completion_window": "24h", "status": status, "created_at": int(time.time()),
                "output_file_id": batch_id.replace("batch_", "file-out-") if done else None, "error_file_id": None,
                "request_counts": {"total": len(self.batches[batch_id]["lines"]), "completed": 0, "failed": 0}}

    def _anthropic_batch(self, batch_id: str, status: str) -> dict:
        total = len(self.batches[batch_id]["lines"])
        return {"id": batch_id, "type": "message_batch", "processing_status": status, "created_at": "2026-11-29T00:00:00Z",
                "expires_at": "2026-11-30T00:00:00Z", "ended_at": None, "archived_at": None,
                "cancel_initiated_at": None,
                "request_counts": {"processing": 0 if status == "ended" else total,
                                   "succeeded": total if status == "ended" else 0, "errored": 0, "canceled": 0,
                                   "expired": 0},
                "results_url": f"{self.root}/v1/messages/batches/{batch_id}/results" if status == "ended" else None}

    @staticmethod
    def _openai_result(line: dict) -> dict:
        body = line["body"]
        return {"id": "batch_req_1", "custom_id": line["custom_id"], "error": None, "response": {
            "status_code": 200, "request_id": "req_1", "body": {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": _answer_text(body["messages"])}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}}}

    @staticmethod
    def _anthropic_result(line: dict) -> dict:
        params = line["params"]
        return {"custom_id": line["custom_id"], "result": {"type": "succeeded", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": params["model"],
            "content": [{"type": "text", "text": _answer_text(params["messages"])}], "stop_reason": "end_turn",
            "stop_sequence": None, "usage": {"input_tokens": 100, "output_tokens": 20}}}}
