"""The fault script's relay really cuts the database connection and lets it back."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from fault_burst import Relay  # noqa: E402


def _echo_server() -> tuple[str, int]:
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=_echo, args=(conn,), daemon=True).start()

    def _echo(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(1024):
                conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()


def _round_trip(port: int, payload: bytes = b"ping") -> bytes:
    """The answer, or b"" when the connection was closed or reset without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
        try:
            conn.sendall(payload)
            return conn.recv(1024)
        except (ConnectionResetError, BrokenPipeError):
            return b""


def test_the_relay_passes_traffic_cuts_it_during_an_outage_and_recovers():
    relay = Relay(_echo_server())
    assert _round_trip(relay.port) == b"ping"

    held = socket.create_connection(("127.0.0.1", relay.port), timeout=2)
    held.sendall(b"one")
    assert held.recv(1024) == b"one"
    outage = threading.Thread(target=relay.outage, args=(0.5,))
    outage.start()
    assert held.recv(1024) == b""  # the open connection is cut
    held.close()
    # A new connection during the outage is accepted and closed at once: no answer.
    assert _round_trip(relay.port) == b""
    outage.join()
    assert relay.cut_connections >= 1 and relay.refused >= 1
    assert _round_trip(relay.port, b"back") == b"back"
