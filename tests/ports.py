"""Local TCP ports for the tests' servers and for addresses where nothing may answer.

A port found by binding a socket and closing it can be taken by another process (the other
database's run, say) before the test uses it. So a port is held where it can be: `held_port`
keeps a socket bound to it, not listening, for as long as the test needs it. A connection to it
is refused (the address of a server that is down), and a server that accepts a bound socket
(gunicorn's `--bind fd://N`) is given that socket. Only servers that must be told a number
(aiosmtpd, SeaweedFS) are told one from `free_ports`.
"""

import contextlib
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def held_port() -> Iterator[socket.socket]:
    """A socket bound to a free port of 127.0.0.1, closed at the end; its port is
    `sock.getsockname()[1]`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock


def port_of(sock: socket.socket) -> int:
    return sock.getsockname()[1]


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on now, all different (held together while they are chosen)."""
    with contextlib.ExitStack() as stack:
        return [port_of(stack.enter_context(held_port())) for _ in range(count)]
