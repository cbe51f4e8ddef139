"""A threaded stdlib HTTP server for the emulator's WSGI app, able to reset connections."""

from __future__ import annotations

import logging
import socket
import struct
import sys
import time
from socketserver import TCPServer, ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from wbapi.emulator.app import EmulatorApp
from wbapi.emulator.protocol import HEADER_DRIP, AbortConnection, CloseConnection

logger = logging.getLogger(__name__)

MAX_REQUEST_LINE = 65536


class _ServerHandler(ServerHandler):
    _header_drip_delay: float | None = None

    def send_headers(self) -> None:
        """The status line and headers, a byte at a time if the app asked (slow_headers)."""
        self._header_drip_delay = self.environ.get(HEADER_DRIP)
        try:
            super().send_headers()
        finally:
            self._header_drip_delay = None

    def _write(self, data: bytes) -> None:
        if self._header_drip_delay is None:
            super()._write(data)
            return
        for index in range(len(data)):
            time.sleep(self._header_drip_delay)
            super()._write(data[index : index + 1])
            self._flush()

    def handle_error(self) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, AbortConnection):
            self.request_handler.reset_connection()
        elif not isinstance(error, CloseConnection):  # that one just ends the answer early
            super().handle_error()

    def log_exception(self, exc_info) -> None:
        logger.error("The emulator failed to answer a request", exc_info=exc_info)


class _RequestHandler(WSGIRequestHandler):
    def handle(self) -> None:
        """One request per connection, run through the handler that can reset it."""
        self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        if len(self.raw_requestline) > MAX_REQUEST_LINE or not self.parse_request():
            return
        handler = _ServerHandler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.run(self.server.get_app())

    def reset_connection(self) -> None:
        """Close with a TCP reset: zero linger makes close() send RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the file holds a reference that would keep the socket open
        self.connection.close()

    def log_message(self, message_format: str, *args: object) -> None:
        logger.debug("%s " + message_format, self.address_string(), *args)


class EmulatorHTTPServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Do not wait on shutdown for requests still sleeping in latency or drip faults.
    block_on_close = False
    request_queue_size = 64

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the bind address's DNS name, which can take seconds.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]
        self.setup_environ()


def make_server(app: EmulatorApp, host: str = "127.0.0.1", port: int = 0) -> EmulatorHTTPServer:
    """A bound server (port 0: any free port); call serve_forever() to run it."""
    server = EmulatorHTTPServer((host, port), _RequestHandler)
    server.set_app(app)
    return server
