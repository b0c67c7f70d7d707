"""Downloads handed off to nginx (deploy/nginx.conf): throughput and memory, and slow clients.

1. A 200 MB film through nginx, from local disk (X-Accel-Redirect to nginx's internal location)
   and from an S3-compatible store (SeaweedFS; nginx fetches the object with a signed link), with
   the same film from S3 streamed by Django (FileResponse over the object's body, no nginx) beside
   them. Median of 3 runs after a warm-up; the gunicorn worker's RSS polled every 10 ms.
2. Slow clients: with twice as many throttled downloads in flight as there are web workers, the
   p99 of an ordinary signed-in page, against its idle p99, behind nginx and without it.

Figures, not pass or fail: the goals are printed beside them as targets.
"""

import http.client
import socket
import statistics
import threading
import time
from contextlib import ExitStack

import psutil

from bench import data
from bench.environment import BenchError, Environment, Server
from bench.measure import MB, Spread, WorkerWatch, megabytes, plain_read, request, verdict

REPEATS = 3
FILM_SIZE = 200 * MB
WEB_WORKERS = 2
SLOW_DOWNLOADS = 2 * WEB_WORKERS
SLOW_READ_BYTES = 16 * 1024  # a slow client: 16 KiB every 0.1 s, about 160 KB/s
SLOW_READ_PAUSE = 0.1
PAGE_REQUESTS = 150
PAGE_TIMEOUT = 5.0
PAGE_SECONDS = 60.0  # at most this long per phase: without nginx most requests time out
P99_TARGET = 2.0  # p99 under slow downloads at most this many times the idle p99
MEMORY_TARGET = 0.05


def run(env: Environment) -> list[str]:
    from tests.servers import nginx, seaweedfs

    partner = data.partner_member(env, "handoff")
    campaign = data.campaign(env, "handoff", partner)
    film = data.film(campaign, title="Handoff film", filename="handoff-film.mp4", size=FILM_SIZE)
    cookies = env.sign_in(partner.user)
    path = f"/material/{film.material.pk}/download/"
    lines = [
        f"film: {megabytes(film.size)}; {REPEATS} runs after a warm-up, medians; "
        "worker = the gunicorn sync worker that answered",
        f"plain read of the film from disk: {plain_read([film.path]).rate:,.0f} MB/s",
        "",
        "1. A 200 MB film",
    ]
    with ExitStack() as stack:
        store = stack.enter_context(seaweedfs(env.root / "seaweedfs"))
        _upload(store, film)
        s3 = store.environment()
        local_web = stack.enter_context(
            env.server(workers=1, variables={"DOWNLOADS_VIA": "nginx", "TRUSTED_PROXY_COUNT": "1"})
        )
        s3_web = stack.enter_context(
            env.server(
                workers=1,
                variables={**s3, "DOWNLOADS_VIA": "nginx", "TRUSTED_PROXY_COUNT": "1"},
            )
        )
        s3_django = stack.enter_context(env.server(workers=1, variables=s3))
        local_front = stack.enter_context(
            nginx(
                env.root / "nginx-local",
                web_address=f"127.0.0.1:{local_web.port}",
                media_root=env.media_root,
                static_root=env.static_root,
            )
        )
        s3_front = stack.enter_context(
            nginx(
                env.root / "nginx-s3",
                web_address=f"127.0.0.1:{s3_web.port}",
                media_root=env.media_root,
                static_root=env.static_root,
                s3_endpoint=store.endpoint,
            )
        )
        for label, port, web, front in (
            ("local disk, nginx", local_front.port, local_web, local_front),
            ("S3, nginx", s3_front.port, s3_web, s3_front),
            ("S3, Django alone", s3_django.port, s3_django, None),
        ):
            lines += _throughput(label, port, web, front, path, cookies, film)
    lines += ["", "2. Slow clients", *_slow_clients(env, path, cookies)]
    return lines


def _upload(store, film: data.StoredFile) -> None:
    from tests.servers import S3_BUCKET

    store.client().upload_file(str(film.path), S3_BUCKET, film.version.file.name)


def _throughput(label, port, web: Server, front, path, cookies, film) -> list[str]:
    worker = web.worker()
    warm = request(port, "GET", path, cookies=cookies)
    if warm.status != 200 or warm.received != film.size:
        raise BenchError(f"{label}: {warm.status}, {warm.received:,} bytes.\n{web.log_tail()}")
    rates, growths, nginx_peak = [], [], 0
    for _ in range(REPEATS):
        with WorkerWatch(worker) as watch:
            transfer = request(port, "GET", path, cookies=cookies)
        if transfer.received != film.size:
            raise BenchError(f"{label}: {transfer.received:,} bytes, not {film.size:,}.")
        rates.append(transfer.rate)
        growths.append(watch.growth)
        if front is not None:
            nginx_peak = max(
                nginx_peak,
                max(
                    child.memory_info().rss
                    for child in psutil.Process(front.process.pid).children()
                ),
            )
    rate = Spread.of(rates)
    growth = max(growths)
    flat = verdict(growth < MEMORY_TARGET * film.size)
    line = (
        f"   {label:<18} {rate.median:7,.0f} MB/s (runs {rate.low:,.0f}–{rate.high:,.0f}); "
        f"worker RSS {megabytes(worker.memory_info().rss)}, growth {growth / MB:+.1f} MB at most "
        f"(target flat, < {MEMORY_TARGET:.0%} of the film: {flat})"
    )
    extra = f"   {'':<18} nginx worker RSS after: {megabytes(nginx_peak)}" if front else None
    return [line] + ([extra] if extra else [])


# --- Slow clients ------------------------------------------------------------------------------
def _slow_clients(env: Environment, path: str, cookies: dict[str, str]) -> list[str]:
    from tests.servers import nginx

    lines = [
        f"   {WEB_WORKERS} sync web workers; {SLOW_DOWNLOADS} downloads of the film in flight, "
        f"each read at about {SLOW_READ_BYTES / SLOW_READ_PAUSE / 1000:.0f} KB/s;",
        f"   ordinary page: GET / signed in, {PAGE_REQUESTS} requests one after another (at most "
        f"{PAGE_SECONDS:.0f} s), {PAGE_TIMEOUT:.0f} s timeout each",
    ]
    figures = {}
    with ExitStack() as stack:
        nginx_web = stack.enter_context(
            env.server(
                workers=WEB_WORKERS,
                variables={"DOWNLOADS_VIA": "nginx", "TRUSTED_PROXY_COUNT": "1"},
            )
        )
        front = stack.enter_context(
            nginx(
                env.root / "nginx-slow",
                web_address=f"127.0.0.1:{nginx_web.port}",
                media_root=env.media_root,
                static_root=env.static_root,
            )
        )
        alone = stack.enter_context(env.server(workers=WEB_WORKERS))
        for label, port in (("behind nginx", front.port), ("gunicorn alone", alone.port)):
            idle = _page_times(port, cookies)
            with _slow_downloads(port, path, cookies):
                busy = _page_times(port, cookies)
            figures[label] = (idle, busy)
    for label, (idle, busy) in figures.items():
        idle_p99, busy_p99 = _p99(idle), _p99(busy)
        failed = sum(1 for value in busy if value is None)
        ratio = busy_p99 / idle_p99 if idle_p99 and busy_p99 else float("inf")
        target = f"target <= {P99_TARGET:.0f}x: {verdict(ratio <= P99_TARGET)}"
        lines.append(
            f"   {label:<15} idle p99 {_ms(idle_p99)}, with slow downloads p99 {_ms(busy_p99)}"
            f" ({ratio:.1f}x; {failed}/{len(busy)} timed out or failed); {target}"
        )
    return lines


def _page_times(port: int, cookies: dict[str, str]) -> list[float | None]:
    times: list[float | None] = []
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    deadline = time.monotonic() + PAGE_SECONDS
    for _ in range(PAGE_REQUESTS):
        if time.monotonic() > deadline:
            break
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PAGE_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request("GET", "/", headers={"Host": "127.0.0.1", "Cookie": header})
            response = connection.getresponse()
            response.read()
            times.append(time.perf_counter() - started if response.status == 200 else None)
        except OSError:
            times.append(None)
        finally:
            connection.close()
    return times


def _p99(times: list[float | None]) -> float | None:
    if any(value is None for value in times):
        return None  # a timeout is slower than any figure
    return statistics.quantiles([value for value in times if value is not None], n=100)[98]


def _ms(value: float | None) -> str:
    return "timeout" if value is None else f"{value * 1000:.0f} ms"


class _slow_downloads:
    """SLOW_DOWNLOADS throttled readers of the film, started before and stopped after the block."""

    def __init__(self, port: int, path: str, cookies: dict[str, str]) -> None:
        self.port, self.path, self.cookies = port, path, cookies
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._read, daemon=True) for _ in range(SLOW_DOWNLOADS)
        ]
        self.started = threading.Barrier(SLOW_DOWNLOADS + 1)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        self.started.wait(timeout=30)
        time.sleep(1.0)  # every download is under way, its first bytes in flight
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _read(self) -> None:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            sock.sendall(
                f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            self.started.wait(timeout=30)
            while not self.stop.is_set():
                if not sock.recv(SLOW_READ_BYTES):
                    return
                time.sleep(SLOW_READ_PAUSE)
