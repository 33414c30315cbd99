"""Real SMTP servers for the mail tests: aiosmtpd on a free local port, answering as told, and a
bare socket server that hangs up in the middle of a message."""

import asyncio
import socket
import socketserver
import threading
from collections import deque
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tests.ports import free_ports


class Recorder:
    """An aiosmtpd handler that keeps what it accepts, and answers RCPT and DATA as scripted:
    `rcpt_answers` / `data_answers` are used up one by one, then every answer is 250."""

    def __init__(self):
        self.messages = []  # (mail from, [rcpt to], parsed message)
        self.rcpt_answers = deque()
        self.data_answers = deque()
        self.delay = 0.0  # seconds each message takes to be accepted: a busy server
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt_answers:
            return self.rcpt_answers.popleft()
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_answers:
            return self.data_answers.popleft()
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Ok: queued as TEST1"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for _, _, message in self.messages]


class SmtpServer:
    def __init__(self):
        (self.port,) = free_ports(1)  # aiosmtpd must be told a number
        self.recorder = Recorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


class _HangUpMidMessage(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 hangup.test ESMTP\r\n")
        for line in self.rfile:
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 hangup.test\r\n")
            elif command == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                self.rfile.readline()  # the first line of the message, then the line goes dead
                self.server.hung_up += 1
                return
            else:
                self.wfile.write(b"250 2.0.0 OK\r\n")


@pytest.fixture
def hang_up_server():
    """A server that accepts MAIL and RCPT, then closes the connection during the data."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _HangUpMidMessage)
    server.daemon_threads = True
    server.hung_up = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def silent_server():
    """A port that takes connections and never says a word (no SMTP greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()
