"""A real SMTP server on loopback (aiosmtpd) that keeps the messages it receives."""

from __future__ import annotations

import email
import socket
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # the bytes as received, for tests that parse them under their own policy

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
