"""A loopback HTTP server that answers every request with one scripted answer, byte by byte
as told: cut off after some bytes, trickled in pieces, chunked or not. For the socket-level
cases that a mock at the client seam cannot produce."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Script:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b"[]"
    # Announce this Content-Length instead of the body's own (None: the body's; with
    # `chunked`, none at all).
    content_length: int | None = None
    chunked: bool = False
    piece: int = 64 * 1024  # bytes per send
    pause: float = 0.0  # seconds between sends
    cut_after: int | None = None  # close the connection after this many body bytes


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.seen: list[Seen] = []
        self._stopping = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(OSError):
                    server._serve(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{{host}}"

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, conn: socket.socket) -> None:
        self.seen.append(_read_request(conn))
        script = self.script
        conn.sendall(self._head(script))
        body = script.body if script.cut_after is None else script.body[: script.cut_after]
        for start in range(0, len(body), script.piece):
            piece = body[start : start + script.piece]
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if script.chunked else piece)
            if script.pause and self._stopping.wait(script.pause):
                return
        if script.chunked and script.cut_after is None:
            conn.sendall(b"0\r\n\r\n")
        conn.shutdown(socket.SHUT_RDWR)

    def _head(self, script: Script) -> bytes:
        headers = dict(script.headers)
        if script.chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            length = len(script.body) if script.content_length is None else script.content_length
            headers["Content-Length"] = str(length)
        headers["Connection"] = "close"
        lines = [f"HTTP/1.1 {script.status} Scripted", *(f"{k}: {v}" for k, v in headers.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _read_request(conn: socket.socket) -> Seen:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    length = int(headers.get("Content-Length", "0"))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    method, path, _version = request_line.split(" ", 2)
    return Seen(method, path, headers, body)
