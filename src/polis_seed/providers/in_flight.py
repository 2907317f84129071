"""The model requests this process has in flight, so that one Ctrl-C can cut them at once.

A request blocks its thread in a socket read until the answer comes (up to the time-out, 600 s). Closing an
SDK's client does not wake that read on Linux; shutting the socket down does, and the server sees the
connection close: llama-server then cancels the generation. So every SDK client gets an httpx request hook
that records the sockets its connections open (httpcore's `trace` extension), and `cancel` shuts them down
and refuses any new request.

There is one per process, like the signal it answers: the CLI's Ctrl-C handler (cli/errors.py) calls
`IN_FLIGHT.cancel()`, whatever providers the run built.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any


class RequestCancelled(BaseException):
    """A model request cut by Ctrl-C. A BaseException, like asyncio.CancelledError and KeyboardInterrupt: the SDKs'
    retry loops and `except Exception` handlers must not take it for a failure to retry or to record."""


class InFlightRequests:
    def __init__(self) -> None:
        # Re-entrant: `cancel` runs in the signal handler, on the main thread, which may hold the lock already.
        self._lock = threading.RLock()
        self._streams: weakref.WeakSet = weakref.WeakSet()
        self._count = 0
        self.cancelled = False

    @property
    def count(self) -> int:
        return self._count

    @contextlib.contextmanager
    def request(self) -> Iterator[None]:
        """Around one SDK call: counted while it runs; after `cancel`, refused, and its failure (the cut
        connection, as the SDK reports it) raised as RequestCancelled."""
        if self.cancelled:
            raise RequestCancelled("the run is stopping; no new model request starts")
        with self._lock:
            self._count += 1
        try:
            yield
        except Exception as error:
            if self.cancelled:
                raise RequestCancelled("cut by Ctrl-C") from error
            raise
        finally:
            with self._lock:
                self._count -= 1

    def event_hooks(self) -> dict[str, list[Callable[[Any], None]]]:
        """httpx event hooks for an SDK client (`DefaultHttpxClient(event_hooks=...)`): the SDK's own time-outs,
        limits and proxies stay as they are."""
        return {"request": [self._on_request]}

    def _on_request(self, request: Any) -> None:
        # Also the SDK's retry of a cut request: refused here, before it reaches the network.
        if self.cancelled:
            raise RequestCancelled("the run is stopping; no new model request starts")
        earlier = request.extensions.get("trace")

        def trace(event: str, info: dict) -> None:
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                with self._lock:
                    self._streams.add(info["return_value"])
            if earlier is not None:
                earlier(event, info)

        request.extensions["trace"] = trace

    def cancel(self) -> int:
        """Refuse new requests and cut the connections of those in flight; the number that were in flight."""
        with self._lock:
            self.cancelled = True
            streams = list(self._streams)
            count = self._count
        for stream in streams:
            connection = stream.get_extra_info("socket")
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass  # closed already, or the plain socket a TLS connection took over
        return count

    def reset(self) -> None:
        """A new command in the same process (tests) starts with nothing cancelled."""
        with self._lock:
            self.cancelled = False


IN_FLIGHT = InFlightRequests()
