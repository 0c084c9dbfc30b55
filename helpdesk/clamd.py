"""A small client for ClamAV's daemon (clamd): ``PING`` and ``INSTREAM``, over TCP or a unix socket.

The protocol (clamd(8)): a command prefixed with ``z`` and ended by a NUL byte, here ``zINSTREAM\\0``,
then the file in chunks, each preceded by its length as 4 bytes in network order, and a chunk of
length zero to end. clamd answers one NUL-terminated line: ``stream: OK``, ``stream: <name> FOUND``,
or ``<reason> ERROR`` (``INSTREAM size limit exceeded. ERROR`` past its ``StreamMaxLength``, after
which it closes the connection, possibly while we are still sending).

Addresses are URLs: ``tcp://127.0.0.1:3310`` or ``unix:///run/clamav/clamd.ctl``.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

CHUNK_BYTES = 64 * 1024
DEFAULT_PORT = 3310
# Enough for "stream: <signature name> FOUND"; clamd's names are short.
_MAX_REPLY = 4096


class ClamdError(Exception):
    """The file was not scanned."""


class ClamdUnavailable(ClamdError):
    """clamd could not be reached, did not answer in time, or failed: a later attempt may succeed."""


class ClamdSizeLimit(ClamdError):
    """The file is larger than clamd's StreamMaxLength: it will never be scanned as clamd is configured."""


@dataclass(frozen=True)
class ScanResult:
    infected: bool
    signature: str = ""


def parse_address(url: str) -> tuple[int, str | tuple[str, int]]:
    """The socket family and address of ``tcp://host:port`` or ``unix:///path``; ValueError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme == "unix":
        path = parts.path or parts.netloc
        if not path:
            raise ValueError("a unix:// address needs the socket's path (unix:///run/clamav/clamd.ctl)")
        return socket.AF_UNIX, path
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise ValueError("a tcp:// address needs a host (tcp://127.0.0.1:3310)")
        port = parts.port or DEFAULT_PORT  # urlsplit raises ValueError for a port out of range
        family = socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET
        return family, (parts.hostname, port)
    raise ValueError("the address must start with tcp:// or unix://")


class Clamd:
    """One clamd; every call opens its own connection (clamd serves one command per connection)."""

    def __init__(self, url: str, *, timeout: float, connect_timeout: float | None = None) -> None:
        self.family, self.address = parse_address(url)
        self.timeout = timeout
        self.connect_timeout = min(timeout, 3.0) if connect_timeout is None else connect_timeout

    def _connect(self) -> socket.socket:
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.connect_timeout)
            sock.connect(self.address)
            sock.settimeout(self.timeout)
        except OSError as exc:
            sock.close()
            raise ClamdUnavailable(f"cannot connect to clamd: {exc}") from exc
        return sock

    @staticmethod
    def _read_reply(sock: socket.socket) -> str:
        received = b""
        while b"\0" not in received and len(received) < _MAX_REPLY:
            part = sock.recv(_MAX_REPLY)
            if not part:
                break
            received += part
        if not received:
            raise ClamdUnavailable("clamd closed the connection without answering")
        return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        """True when clamd answers PONG."""
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return self._read_reply(sock) == "PONG"
        except (ClamdError, OSError):
            return False

    def scan_chunks(self, chunks: Iterable[bytes]) -> ScanResult:
        """Send a file's bytes with INSTREAM and read the verdict."""
        with self._connect() as sock:
            try:
                sock.sendall(b"zINSTREAM\0")
                for chunk in chunks:
                    for start in range(0, len(chunk), CHUNK_BYTES):
                        piece = chunk[start : start + CHUNK_BYTES]
                        sock.sendall(struct.pack("!L", len(piece)) + piece)
                sock.sendall(struct.pack("!L", 0))
            except OSError as exc:
                # clamd stops reading past StreamMaxLength and says so before closing: read its reason.
                reply = self._reply_after_failed_send(sock)
                if reply is None:
                    raise ClamdUnavailable(f"clamd stopped reading the file: {exc}") from exc
            else:
                try:
                    reply = self._read_reply(sock)
                except OSError as exc:  # timeout or reset while clamd scans
                    raise ClamdUnavailable(f"no verdict from clamd: {exc}") from exc
        return interpret(reply)

    def _reply_after_failed_send(self, sock: socket.socket) -> str | None:
        try:
            sock.settimeout(min(self.timeout, 1.0))
            return self._read_reply(sock)
        except (ClamdError, OSError):
            return None

    def scan_file(self, stream) -> ScanResult:
        """Scan an open binary file from where it stands."""
        return self.scan_chunks(iter(lambda: stream.read(CHUNK_BYTES), b""))


def interpret(reply: str) -> ScanResult:
    """clamd's answer to INSTREAM as a result, or the error it names."""
    if reply.endswith("ERROR"):
        if "size limit exceeded" in reply.lower():
            raise ClamdSizeLimit(reply)
        raise ClamdUnavailable(f"clamd could not scan the file: {reply}")
    name, _, verdict = reply.partition(": ")
    if name == "stream" and verdict == "OK":
        return ScanResult(infected=False)
    if name == "stream" and verdict.endswith(" FOUND"):
        return ScanResult(infected=True, signature=verdict.removesuffix(" FOUND").strip())
    raise ClamdUnavailable(f"unexpected answer from clamd: {reply[:200]!r}")
