"""Virus scanning of uploads by a ClamAV daemon (clamd), when CLAMAV_ADDRESS is set.

It fails closed: while scanning is on, a file that could not be scanned is refused, never
stored unscanned. The protocol is clamd's INSTREAM: the file is sent in sized chunks and clamd
answers "stream: OK" or "stream: <signature> FOUND". Our own small client: the clamd packages on
PyPI are unmaintained, and the protocol is a dozen lines.
"""

import socket
import struct

from django.conf import settings
from django.core.exceptions import ValidationError

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30


class ScanFailed(Exception):
    """The scanner could not give an answer."""


def scanning_on() -> bool:
    return bool(settings.CLAMAV_ADDRESS)


def _connect() -> socket.socket:
    address = settings.CLAMAV_ADDRESS
    if address.startswith("/"):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(TIMEOUT_SECONDS)
        connection.connect(address)
        return connection
    host, _, port = address.rpartition(":")
    return socket.create_connection((host, int(port)), timeout=TIMEOUT_SECONDS)


def scan_result(file) -> str:
    """clamd's answer for the file's content ("OK" or "<signature> FOUND").

    The file may be a stream read once from the object store: it is rewound only if it can be."""
    rewind = file.seekable() if hasattr(file, "seekable") else True
    if rewind:
        file.seek(0)
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            while chunk := file.read(CHUNK):
                connection.sendall(struct.pack(">I", len(chunk)) + chunk)
            connection.sendall(struct.pack(">I", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                part = connection.recv(4096)
                if not part:
                    break
                answer += part
    except (OSError, ValueError) as problem:
        raise ScanFailed(str(problem)) from problem
    finally:
        if rewind:
            file.seek(0)
    text = answer.rstrip(b"\0").decode("utf-8", "replace")
    if not text.startswith("stream: ") or text.endswith("ERROR"):
        raise ScanFailed(text or "no answer")
    return text.removeprefix("stream: ")


def check_for_viruses(file) -> bool:
    """True if the file was scanned clean; False if scanning is off. ValidationError if it is
    infected or could not be scanned."""
    if not scanning_on():
        return False
    try:
        result = scan_result(file)
    except ScanFailed as problem:
        raise ValidationError(
            "This file could not be checked for viruses just now, so it has not been accepted. "
            "Please try again in a few minutes.",
            code="scan_failed",
        ) from problem
    if result != "OK":
        raise ValidationError(
            "This file contains a virus or other malicious content and has not been accepted.",
            code="infected",
        )
    return True
