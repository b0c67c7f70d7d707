"""Virus scanning of uploads by a ClamAV daemon (clamd), when CLAMAV_ADDRESS is set.

It fails closed: while scanning is on, a file that could not be scanned is refused, never
stored unscanned. The protocol is clamd's INSTREAM: the file is sent in sized chunks and clamd
answers "stream: OK" or "stream: <signature> FOUND". Our own small client: the clamd packages on
PyPI are unmaintained, and the protocol is a dozen lines.

A file over one of clamd's limits is not scanned. clamd then either stops reading and answers
"INSTREAM size limit exceeded" (StreamMaxLength), or, with `AlertExceedsMax yes`, answers
"Heuristics.Limits.Exceeded.<limit> FOUND" (MaxFileSize, MaxScanSize and friends). Both mean
"not scanned": never clean, never a virus. Without `AlertExceedsMax yes` clamd answers "OK" for a
file over MaxFileSize that it did not read, and nothing here can tell: the deployment notes
("Virus scanning" in docs/deploy.md) say which settings the upload limits need.
"""

import socket
import struct

from django.conf import settings
from django.core.exceptions import ValidationError

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30
# clamd's answer when a file is over one of its limits and AlertExceedsMax is on.
LIMITS_EXCEEDED = "Heuristics.Limits.Exceeded"
# clamd's answer when the stream is longer than StreamMaxLength.
STREAM_LIMIT_EXCEEDED = "INSTREAM size limit exceeded"


class ScanFailed(Exception):
    """The scanner could not give an answer."""


class ScanLimitExceeded(ScanFailed):
    """The scanner did not read the whole file: it is over one of clamd's limits."""


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


def _answer(connection: socket.socket) -> bytes:
    answer = b""
    while not answer.endswith(b"\0"):
        part = connection.recv(4096)
        if not part:
            break
        answer += part
    return answer


def scan_result(file) -> str:
    """clamd's answer for the file's content ("OK" or "<signature> FOUND").

    The file may be a stream read once from the object store: it is rewound only if it can be.
    Raises ScanLimitExceeded when clamd did not read the whole file, ScanFailed when it gave no
    answer.
    """
    rewind = file.seekable() if hasattr(file, "seekable") else True
    if rewind:
        file.seek(0)
    try:
        with _connect() as connection:
            connection.sendall(b"zINSTREAM\0")
            try:
                while chunk := file.read(CHUNK):
                    connection.sendall(struct.pack(">I", len(chunk)) + chunk)
                connection.sendall(struct.pack(">I", 0))
            except OSError as sending:
                # Over StreamMaxLength clamd answers and closes the connection mid-file; its
                # answer may still be waiting to be read.
                try:
                    answer = _answer(connection)
                except OSError:
                    answer = b""
                if STREAM_LIMIT_EXCEEDED.encode() not in answer:
                    raise sending
            else:
                answer = _answer(connection)
    except (OSError, ValueError) as problem:
        raise ScanFailed(str(problem)) from problem
    finally:
        if rewind:
            file.seek(0)
    text = answer.rstrip(b"\0").decode("utf-8", "replace")
    if STREAM_LIMIT_EXCEEDED in text or (
        text.startswith(f"stream: {LIMITS_EXCEEDED}") and text.endswith(" FOUND")
    ):
        raise ScanLimitExceeded(text)
    if not text.startswith("stream: ") or text.endswith("ERROR"):
        raise ScanFailed(text or "no answer")
    return text.removeprefix("stream: ")


def check_for_viruses(file) -> bool:
    """True if the file was scanned clean; False if scanning is off. ValidationError if it is
    infected or could not be scanned (whole)."""
    if not scanning_on():
        return False
    try:
        result = scan_result(file)
    except ScanLimitExceeded as problem:
        raise ValidationError(
            "This file is larger than the virus scanner is set to check, so it could not be "
            "checked and has not been accepted. Upload a smaller file (a film exported at a lower "
            "quality or shorter), or ask the portal's administrators to raise the scanner's "
            "limits.",
            code="scan_limits_exceeded",
        ) from problem
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
