"""A tiny OpenAI-style server on 127.0.0.1 that misbehaves on request, for the fault paths.

Each request takes the next scripted behaviour from a queue (then `default`):
  ("ok", text)            a normal chat completion (streamed when the request asks)
  ("tool", name, args)    a tool call with JSON arguments (structured output)
  ("status", code)        an error status with an OpenAI-style error body (429, 500, 401...)
  ("garbage",)            200 with a body that is not JSON
  ("slow", seconds, text) waits, then answers
  ("drop", text)          streams part of the text, then closes the connection mid-reply
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = tuple[Any, ...]


class FaultServer:
    def __init__(self) -> None:
        self.queue: list[Behaviour] = []
        self.default: Behaviour = ("ok", "Hello there.")
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        # A client that gave up (timeout tests) leaves a broken pipe: expected, not news.
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self.queue.extend(behaviours)

    def take(self) -> Behaviour:
        with self._lock:
            return self.queue.pop(0) if self.queue else self.default

    def start(self) -> FaultServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer().start()
    try:
        yield server
    finally:
        server.stop()


def _completion(message: dict[str, Any], finish: str) -> bytes:
    return json.dumps({"id": "chatcmpl-fault", "object": "chat.completion", "created": 0,
                       "model": "fault", "choices": [{"index": 0, "message": message,
                                                      "finish_reason": finish}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                 "total_tokens": 2}}).encode()


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = json.dumps({"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 0,
                       "model": "fault", "choices": [{"index": 0, "delta": delta,
                                                      "finish_reason": finish}]})
    return f"data: {body}\n\n".encode()


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if code == 429:
                self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200, json.dumps({"object": "list", "data": [{"id": "fault"}]}).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            server.requests.append({"path": self.path, "body": body,
                                    "auth": self.headers.get("Authorization", "")})
            behaviour = server.take()
            kind = behaviour[0]
            if kind == "slow":
                time.sleep(behaviour[1])
                behaviour = ("ok", behaviour[2])
                kind = "ok"
            if kind == "status":
                code = behaviour[1]
                self._send(code, json.dumps({"error": {"message": f"fault {code}",
                                                       "type": "fault", "code": code}}).encode())
            elif kind == "garbage":
                self._send(200, b"<html>this is not json at all", "application/json")
            elif kind == "tool":
                call = {"id": "call_1", "type": "function",
                        "function": {"name": behaviour[1], "arguments": behaviour[2]}}
                self._send(200, _completion({"role": "assistant", "content": None,
                                             "tool_calls": [call]}, "tool_calls"))
            elif body.get("stream"):
                self._stream(behaviour[1], drop=kind == "drop",
                             stall=behaviour[2] if kind == "stall" else 0.0)
            else:
                self._send(200, _completion({"role": "assistant", "content": behaviour[1]},
                                            "stop"))

        def _stream(self, text: str, drop: bool, stall: float = 0.0) -> None:
            """Stream the text word by word; `stall` seconds of silence halfway through."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = text.split(" ")
            if drop:
                pieces = pieces[: max(1, len(pieces) // 2)]
            for i, piece in enumerate(pieces):
                if stall and i == len(pieces) // 2:
                    time.sleep(stall)
                self.wfile.write(_chunk({"content": piece + (" " if i < len(pieces) - 1
                                                             else "")}))
                self.wfile.flush()
                time.sleep(0.01)
            if drop:
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(_chunk({}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler
