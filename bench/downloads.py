"""Downloads of campaign material: how fast they are, and whether they stream in constant memory.

Films are the toolkit's biggest files (up to 500 MB), and partners download them, or the whole
toolkit as one ZIP, around a launch. Under WSGI a download must stream: a sync worker that read a
file into memory would grow by the file's size for every download, and a slow one ties the worker
up. So this measures, on loopback against gunicorn with one sync worker:

1. the stable material link, GET /material/<pk>/download/, for a 200 MB film: a FileResponse,
   which gunicorn sends with sendfile, so the bytes never pass through Python;
2. the toolkit ZIP, POST /campaigns/<slug>/toolkit/download/, of 50 films of 4 MB each (200 MB):
   zipstream-ng builds the ZIP (stored, not compressed) as it is sent, through a
   StreamingHttpResponse, so each 1 MiB chunk is read and written by Python.

Each figure is the median of 3 runs after a warm-up. Each run is paired with a plain read of the
same bytes from disk (warm in the page cache, as the files the server reads are) and given as a
ratio to it. The worker's RSS is polled every 10 ms during each request. The goals from the issue
are printed beside the figures as targets, not asserted.
"""

import hashlib
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from bench import data
from bench.environment import BenchError, Environment, Server
from bench.measure import (
    MB,
    Reading,
    Spread,
    Tail,
    Transfer,
    WorkerWatch,
    loopback_sendfile,
    megabytes,
    plain_read,
    request,
    verdict,
)

REPEATS = 3
FILM_SIZE = 200 * MB
ZIP_FILES = 50
ZIP_FILE_SIZE = 4 * MB

# The goals from the issue.
DOWNLOAD_TARGET = 0.9  # a download at least this fraction of a plain read's speed
ZIP_TARGET = 0.5  # the toolkit ZIP likewise
MEMORY_TARGET = 0.05  # "flat": the worker grows by less than this fraction of the bytes sent


@dataclass
class Run:
    """One measured request with its baseline."""

    reading: Reading
    loopback: Reading
    transfer: Transfer
    watch: WorkerWatch

    @property
    def ratio(self) -> float:
        """To the plain read from disk."""
        return self.transfer.rate / self.reading.rate

    @property
    def loopback_ratio(self) -> float:
        return self.transfer.rate / self.loopback.rate


def run(env: Environment) -> list[str]:
    partner = data.partner_member(env, "downloads")
    film_campaign = data.campaign(env, "film download", partner)
    film = data.film(
        film_campaign, title="Campaign film", filename="campaign-film.mp4", size=FILM_SIZE
    )
    toolkit_campaign = data.campaign(env, "toolkit download", partner)
    films = [
        data.film(
            toolkit_campaign,
            title=f"Film {number:02}",
            filename=f"film-{number:02}.mp4",
            size=ZIP_FILE_SIZE,
            stamp=number,
        )
        for number in range(1, ZIP_FILES + 1)
    ]
    cookies = env.sign_in(partner.user)

    with env.server() as server:
        worker = server.worker()
        lines = [
            f"server: {server.description}; worker RSS after start-up "
            f"{megabytes(worker.memory_info().rss)}",
            f"each figure: median of {REPEATS} runs after a warm-up; MB = 10^6 bytes; "
            f"worker RSS polled every 10 ms",
            "plain read: the same files read from disk (warm in the page cache) in 1 MiB chunks;",
            "bare loopback: the same files sent with sendfile over a loopback TCP socket, no HTTP",
            "",
        ]
        lines += _material_download(server, cookies, film)
        lines.append("")
        lines += _toolkit_zip(env, server, cookies, toolkit_campaign.slug, films)
    return lines


# --- 1. One material download ---------------------------------------------------------------------
def _material_download(server: Server, cookies: dict[str, str], film: data.StoredFile) -> list[str]:
    path = f"/material/{film.material.pk}/download/"
    worker = server.worker()

    # The warm-up also checks that the bytes served are the stored file's.
    digest = hashlib.sha256()
    warm_up = request(server.port, "GET", path, cookies=cookies, sink=digest.update)
    _expect_complete(warm_up, film.size, server, "The material download")
    if digest.hexdigest() != film.version.sha256:
        raise BenchError("The material download's bytes differ from the stored file's.")
    rss_after_warm_up = worker.memory_info().rss

    runs = []
    for _ in range(REPEATS):
        reading = plain_read([film.path])
        loopback = loopback_sendfile([film.path])
        with WorkerWatch(worker) as watch:
            transfer = request(server.port, "GET", path, cookies=cookies)
        _expect_complete(transfer, film.size, server, "The material download")
        runs.append(Run(reading, loopback, transfer, watch))

    return [
        f"1. Material download: GET {path}",
        f"   one film (video/mp4) of {megabytes(film.size)}; a FileResponse, which gunicorn sends "
        "with sendfile",
        *_figures(runs, film.size, DOWNLOAD_TARGET),
        f"   {'checks':<15}200; Content-Length = bytes received = file size in every run;",
        f"   {'':<15}the warm-up's SHA-256 matches the file's",
        f"   {'':<15}(worker RSS after the warm-up: {megabytes(rss_after_warm_up)})",
    ]


# --- 2. The toolkit ZIP ---------------------------------------------------------------------------
def _toolkit_zip(
    env: Environment,
    server: Server,
    cookies: dict[str, str],
    slug: str,
    films: list[data.StoredFile],
) -> list[str]:
    path = f"/campaigns/{slug}/toolkit/download/"
    worker = server.worker()
    total = sum(film.size for film in films)
    post_cookies, body = _csrf_form(server, cookies, path)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://127.0.0.1:{server.port}",
    }

    # The warm-up also checks the whole ZIP: every entry, its size and its CRC.
    archive_path = env.root / "toolkit-check.zip"
    with archive_path.open("wb") as archive_file:
        warm_up = request(
            server.port,
            "POST",
            path,
            cookies=post_cookies,
            headers=headers,
            body=body,
            sink=archive_file.write,
        )
    _expect_complete(warm_up, None, server, "The toolkit ZIP")
    _check_archive(archive_path, films)
    archive_path.unlink()
    rss_after_warm_up = worker.memory_info().rss

    runs = []
    for _ in range(REPEATS):
        reading = plain_read([film.path for film in films])
        loopback = loopback_sendfile([film.path for film in films])
        tail = Tail(64 * 1024)
        with WorkerWatch(worker) as watch:
            transfer = request(
                server.port,
                "POST",
                path,
                cookies=post_cookies,
                headers=headers,
                body=body,
                sink=tail,
            )
        _expect_complete(transfer, warm_up.received, server, "The toolkit ZIP")
        entries = _zip_entries(bytes(tail.data), transfer.received)
        if entries != len(films):
            raise BenchError(f"The toolkit ZIP lists {entries} files, not {len(films)}.")
        runs.append(Run(reading, loopback, transfer, watch))

    return [
        f"2. Toolkit ZIP: POST {path}",
        f"   {len(films)} films of {megabytes(ZIP_FILE_SIZE)} = {megabytes(total)} in a "
        f"{warm_up.received:,}-byte ZIP ({warm_up.received - total:,} bytes of ZIP structure);",
        "   zipstream-ng (stored, sized) through a StreamingHttpResponse, reading 1 MiB chunks",
        *_figures(runs, total, ZIP_TARGET),
        f"   {'checks':<15}200; Content-Length = bytes received in every run; the end of the",
        f"   {'':<15}central directory lists {len(films)} files; the warm-up's ZIP opens with "
        "zipfile,",
        f"   {'':<15}with the right names and sizes, and every CRC checks",
        f"   {'':<15}(worker RSS after the warm-up: {megabytes(rss_after_warm_up)})",
    ]


def _csrf_form(server: Server, cookies: dict[str, str], path: str) -> tuple[dict[str, str], bytes]:
    """GET the download page as a browser would: the CSRF cookie and the form's token."""
    page = bytearray()
    response = request(server.port, "GET", path, cookies=cookies, sink=page.extend)
    if response.status != 200:
        raise BenchError(f"GET {path} answered {response.status}.\n{server.log_tail()}")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    csrf_cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
    if match is None or csrf_cookie is None:
        raise BenchError(f"GET {path} gave no CSRF token: is the download form still there?")
    body = urlencode({"csrfmiddlewaretoken": match.group(1).decode()}).encode()
    return {**cookies, settings.CSRF_COOKIE_NAME: csrf_cookie}, body


def _check_archive(archive_path: Path, films: list[data.StoredFile]) -> None:
    with zipfile.ZipFile(archive_path) as archive:
        entries = archive.infolist()
        expected = {f"Film/{film.version.original_filename}": film.size for film in films}
        found = {entry.filename: entry.file_size for entry in entries}
        if found != expected:
            raise BenchError(f"The toolkit ZIP holds {sorted(found)}, not {sorted(expected)}.")
        broken = archive.testzip()
        if broken is not None:
            raise BenchError(f"The toolkit ZIP's {broken} fails its CRC check.")


def _zip_entries(tail: bytes, total: int) -> int:
    """The number of files a ZIP's end-of-central-directory record lists, checking that the
    central directory ends where the record starts. `tail` is the ZIP's last bytes."""
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise BenchError("The toolkit ZIP has no end-of-central-directory record.")
    fields = struct.unpack_from("<4s4H2LH", tail, at)
    entries, directory_size, directory_offset, comment = fields[4:8]
    record_at = total - len(tail) + at
    if entries == 0xFFFF or directory_offset == 0xFFFFFFFF:  # ZIP64: read its own record
        locator = struct.unpack_from("<4sLQL", tail, at - 20)
        record_at = locator[2]
        record = struct.unpack_from("<4sQ2H2L4Q", tail, record_at - (total - len(tail)))
        entries, directory_size, directory_offset = record[7], record[8], record[9]
    if directory_offset + directory_size != record_at or at + 22 + comment != len(tail):
        raise BenchError("The toolkit ZIP's central directory is not where its end record says.")
    return entries


# --- Shared -------------------------------------------------------------------------------------
def _expect_complete(transfer: Transfer, size: int | None, server: Server, what: str) -> None:
    if transfer.status != 200:
        raise BenchError(f"{what} answered {transfer.status}.\n{server.log_tail()}")
    if transfer.content_length != transfer.received:
        raise BenchError(
            f"{what} sent {transfer.received:,} bytes, "
            f"its Content-Length says {transfer.content_length}."
        )
    if size is not None and transfer.received != size:
        raise BenchError(f"{what} sent {transfer.received:,} bytes, expected {size:,}.")


def _figures(runs: list[Run], size: int, target: float) -> list[str]:
    def timing(label: str, values: list[Reading] | list[Transfer]) -> str:
        seconds = Spread.of([value.seconds for value in values])
        rate = Spread.of([value.rate for value in values])
        return (
            f"   {label:<15}{seconds.median:7.3f} s {rate.median:8,.0f} MB/s   "
            f"(runs {rate.low:,.0f}–{rate.high:,.0f} MB/s)"
        )

    ratio = Spread.of([run.ratio for run in runs])
    loopback_ratio = Spread.of([run.loopback_ratio for run in runs])
    headers = Spread.of([run.transfer.headers_after for run in runs])
    before = Spread.of([run.watch.before for run in runs])
    peak = max(run.watch.peak for run in runs)
    growth = max(run.watch.growth for run in runs)
    samples = Spread.of([run.watch.samples for run in runs])
    user = Spread.of([run.watch.user_seconds for run in runs])
    system = Spread.of([run.watch.system_seconds for run in runs])
    return [
        timing("plain read", [run.reading for run in runs]),
        timing("bare loopback", [run.loopback for run in runs]),
        timing("over HTTP", [run.transfer for run in runs]),
        f"   {'':<15}of which up to the response headers {headers.median * 1000:.0f} ms "
        f"(runs {headers.low * 1000:.0f}–{headers.high * 1000:.0f} ms)",
        f"   {'ratio':<15}{ratio.median:.2f}x the plain read (runs {ratio.low:.2f}x–"
        f"{ratio.high:.2f}x); target >= {target:.2f}x: {verdict(ratio.median >= target)}",
        f"   {'':<15}{loopback_ratio.median:.2f}x the bare loopback (runs "
        f"{loopback_ratio.low:.2f}x–{loopback_ratio.high:.2f}x)",
        f"   {'worker RSS':<15}before {megabytes(before.median)}, peak {megabytes(peak)}: "
        f"growth {growth / MB:+.1f} MB at most, {growth / size:.1%} of {megabytes(size)}",
        f"   {'':<15}target flat (growth < {MEMORY_TARGET:.0%} of the size): "
        f"{verdict(growth < MEMORY_TARGET * size)}",
        f"   {'worker CPU':<15}user {user.median:.2f} s, system {system.median:.2f} s per request "
        f"(medians); RSS sampled {samples.median:.0f} times per request",
    ]
