"""A real SMTP server for tests (aiosmtpd in a thread): it accepts, refuses, hangs or is slow."""

import asyncio
import socket
import threading
from collections.abc import Callable
from email import message_from_bytes

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Handler:
    """Keeps what it accepted. mode: "accept", "refuse" (554 to every message), "hang" (never
    answers the message, longer than any client waits) or "slow" (accepts, after slow_seconds).

    A client that goes away before the answer (a worker killed while it waits) leaves no message:
    aiosmtpd stops handling a message whose connection is lost. `data_arrived` is set when a
    message's data has reached the server; `before_accepting`, if set, is called just before the
    server accepts a message (in the server's thread), as the server commits it to its queue.
    """

    def __init__(self, mode: str = "accept", hang_seconds: float = 5, slow_seconds: float = 0):
        self.mode = mode
        self.hang_seconds = hang_seconds
        self.slow_seconds = slow_seconds
        self.messages = []
        self.attempts = 0
        self.data_arrived = threading.Event()
        self.before_accepting: Callable[[], None] | None = None

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        self.data_arrived.set()
        if self.mode == "refuse":
            return "554 5.7.1 Refused for this test"
        if self.mode == "hang":
            await asyncio.sleep(self.hang_seconds)
            return "451 4.3.0 Too late"
        if self.mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        if self.before_accepting is not None:
            self.before_accepting()
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


class SMTPServer:
    def __init__(self, port: int | None = None, mode: str = "accept"):
        self.port = port or free_port()
        self.handler = Handler(mode)
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def start(self) -> "SMTPServer":
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
