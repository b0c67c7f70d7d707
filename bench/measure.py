"""Measuring tools shared by the benchmarks: timed streaming HTTP requests against the benchmark
server, the gunicorn worker's memory and CPU while a request runs, plain disk reads as the
baselines, and small statistics.

A download is timed on the wall clock from sending the request to its last byte, read in 1 MiB
chunks and discarded (or handed to a sink, such as one keeping the last bytes). Meanwhile a
background thread polls the worker's resident set size (RSS) every 10 ms: a download that streams
in constant memory leaves the peak close to the RSS before the request, whatever the file's size.
The baseline reads the same bytes from disk in the same 1 MiB chunks, in the same process, so a
figure can be given as a ratio to it. A second reference sends the same files over a bare loopback
TCP connection with sendfile: the most any HTTP server could manage on this machine.
"""

import http.client
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil

CHUNK = 1024 * 1024
MB = 1_000_000
POLL_SECONDS = 0.01

Sink = Callable[[memoryview], None]


# --- Baselines ------------------------------------------------------------------------------------
@dataclass
class Reading:
    """Bytes read, from disk or a socket, and how long it took."""

    size: int
    seconds: float

    @property
    def rate(self) -> float:
        """MB/s."""
        return self.size / MB / self.seconds


def plain_read(paths: Iterable[Path]) -> Reading:
    """Read the files from disk in 1 MiB chunks and discard them: the baseline a download is
    compared with."""
    buffer = bytearray(CHUNK)
    size = 0
    started = time.perf_counter()
    for path in paths:
        with path.open("rb", buffering=0) as file:
            while count := file.readinto(buffer):
                size += count
    return Reading(size=size, seconds=time.perf_counter() - started)


def loopback_sendfile(paths: Sequence[Path]) -> Reading:
    """Send the files over one loopback TCP connection with sendfile and receive them in 1 MiB
    chunks: what the transport itself manages, with no HTTP, WSGI or Django in the way."""
    with socket.create_server(("127.0.0.1", 0)) as listener:

        def send() -> None:
            connection, _ = listener.accept()
            with connection:
                for path in paths:
                    with path.open("rb") as file:
                        connection.sendfile(file)

        sender = threading.Thread(target=send, name="loopback-sender", daemon=True)
        sender.start()
        buffer = bytearray(CHUNK)
        size = 0
        started = time.perf_counter()
        with socket.create_connection(listener.getsockname()) as receiver:
            while count := receiver.recv_into(buffer):
                size += count
        seconds = time.perf_counter() - started
        sender.join()
    return Reading(size=size, seconds=seconds)


# --- HTTP --------------------------------------------------------------------------------------
@dataclass
class Transfer:
    """One HTTP request whose response body was streamed and counted: `seconds` from sending the
    request to the last byte, `headers_after` to the end of the response headers."""

    status: int
    headers: Message
    received: int
    seconds: float
    headers_after: float
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """MB/s."""
        return self.received / MB / self.seconds

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        return int(value) if value is not None else None


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    sink: Sink | None = None,
    timeout: float = 120.0,
) -> Transfer:
    """Send a request to 127.0.0.1:port and stream the response body in 1 MiB chunks, each handed
    to the sink if one is given, else discarded. Timed from sending to the last byte."""
    all_headers = {"Host": f"127.0.0.1:{port}", **(headers or {})}
    if cookies:
        all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    received = 0
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    response: http.client.HTTPResponse | None = None
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        headers_after = time.perf_counter() - started
        while count := response.readinto(buffer):
            received += count
            if sink is not None:
                sink(view[:count])
        seconds = time.perf_counter() - started
    finally:
        # Closing the response too closes the socket: a worker whose download is abandoned
        # (a crash, Ctrl-C) gets a broken pipe at once instead of blocking until it times out.
        if response is not None:
            response.close()
        connection.close()
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return Transfer(
        status=response.status,
        headers=response.headers,
        received=received,
        seconds=seconds,
        headers_after=headers_after,
        cookies={name: morsel.value for name, morsel in jar.items()},
    )


class Tail:
    """A sink keeping the last bytes of a stream, e.g. a ZIP's central directory."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.data = bytearray()

    def __call__(self, chunk: memoryview) -> None:
        self.data += chunk[-self.keep :]
        if len(self.data) > self.keep:
            del self.data[: -self.keep]


# --- The worker --------------------------------------------------------------------------------
class WorkerWatch:
    """While in use, polls a process's RSS every 10 ms in a background thread; also notes the
    process's CPU time, so that sendfile (system time) shows apart from copying in Python (user)."""

    def __init__(self, process: psutil.Process, interval: float = POLL_SECONDS) -> None:
        self.process = process
        self.interval = interval
        self.before = 0
        self.peak = 0
        self.samples = 0
        self.user_seconds = 0.0
        self.system_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="worker-rss", daemon=True)

    def __enter__(self) -> Self:
        self._cpu_before = self.process.cpu_times()
        self.before = self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        cpu = self.process.cpu_times()
        self.user_seconds = cpu.user - self._cpu_before.user
        self.system_seconds = cpu.system - self._cpu_before.system

    @property
    def growth(self) -> int:
        return self.peak - self.before

    def _sample(self) -> None:
        try:
            self.peak = max(self.peak, self.process.memory_info().rss)
            self.samples += 1
        except psutil.Error:
            self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()


# --- Figures -----------------------------------------------------------------------------------
@dataclass
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> "Spread":
        return cls(statistics.median(values), min(values), max(values))


def megabytes(size: float) -> str:
    return f"{size / MB:,.1f} MB"


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"
