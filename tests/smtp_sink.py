"""A mail server for the delivery tests, on loopback: speaks just enough SMTP for Django's SMTP
backend (smtplib), keeps every message it accepts, and refuses the first `refuse` connections
with "421 try again later", as a busy or restarting server does.

The standard library's smtpd is deprecated (and gone in Python 3.12) and aiosmtpd isn't a
dependency, hence these few lines: the client side, the part under test, is Django's own.
"""

from __future__ import annotations

import email
import socketserver
import threading
from email.message import Message

PORTS = range(8200, 8300)


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        sink = self.server.sink
        with sink.lock:
            sink.connections += 1
            refuse = sink.connections <= sink.refuse
        if refuse:
            self.reply("421 sink.test Service not available, try again later")
            return
        self.reply("220 sink.test ESMTP")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink.test")
                self.reply("250 8BITMIME")
            elif verb in {"HELO", "MAIL", "RCPT", "RSET", "NOOP"}:
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in {b".\r\n", b""}:
                    lines.append(data[1:] if data.startswith(b".") else data)  # dot-stuffing
                with sink.lock:
                    sink.messages.append(email.message_from_bytes(b"".join(lines)))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    sink: SmtpSink


class SmtpSink:
    """`with SmtpSink(refuse=1) as sink:` serves on sink.port; sink.messages is what arrived."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.connections = 0
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self._server = self._bind()
        self._server.sink = self
        self.port: int = self._server.server_address[1]

    @staticmethod
    def _bind() -> _Server:
        for port in PORTS:
            try:
                return _Server(("127.0.0.1", port), _Session)
            except OSError:
                continue
        return _Server(("127.0.0.1", 0), _Session)

    def __enter__(self) -> SmtpSink:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
