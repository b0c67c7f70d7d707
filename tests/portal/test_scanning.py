"""Virus scanning fails closed, tested against Debian's real clamd (clamav-daemon).

ClamAV's signatures cannot be downloaded on this network, so the clamd started here loads one
signature of our own (a .ndb line matching MARKER) from a database folder of its own. Its limits
are set small (a 1 MiB file limit, a 2 MiB stream limit) so that a file over them is cheap to
make: that is how a 600 MB film meets clamd's default 100 MB limits in production.

Where clamd is not installed these tests are skipped with a reason, except in CI (CI=true),
where that is a failure: .ci/run installs clamav-daemon.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Material, MaterialVersion
from lib.scanning import ScanLimitExceeded, scan_result
from tests.factories import make_material, png_bytes

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
MARKER = b"PORTAL-TEST-VIRUS-MARKER-7f3c"
SIGNATURE = "Portal.Test.Marker"
FILE_LIMIT = 1024 * 1024  # MaxFileSize and MaxScanSize
STREAM_LIMIT = 2 * 1024 * 1024  # StreamMaxLength
PORTS = range(23300, 23400)  # the TCP ports these tests may use


class Clamd:
    """A clamd process with its own configuration, database, socket and log."""

    def __init__(self, folder: Path, port: int):
        self.socket_path = str(folder / "clamd.sock")
        self.tcp_address = f"127.0.0.1:{port}"
        self.log = folder / "clamd.log"
        database = folder / "database"
        database.mkdir()
        (database / "portal.ndb").write_text(f"{SIGNATURE}:0:*:{MARKER.hex()}\n")
        config = folder / "clamd.conf"
        config.write_text(
            f"Foreground yes\n"
            f"DatabaseDirectory {database}\n"
            f"LocalSocket {self.socket_path}\n"
            f"TCPSocket {port}\n"
            f"TCPAddr 127.0.0.1\n"
            f"LogFile {self.log}\n"
            f"StreamMaxLength {STREAM_LIMIT}\n"
            f"MaxFileSize {FILE_LIMIT}\n"
            f"MaxScanSize {FILE_LIMIT}\n"
            # Without this, clamd answers OK for a file over MaxFileSize that it did not read.
            f"AlertExceedsMax yes\n"
            f"Bytecode no\n"
            f"LogClean yes\n"
        )
        self.process = subprocess.Popen(  # noqa: S603 (our own arguments)
            [CLAMD, "--config-file", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"clamd did not start: {self.process.stderr.read()!r}")
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as connection:
                connection.settimeout(2)
                connection.connect(self.socket_path)
                connection.sendall(b"zPING\0")
                return connection.recv(16).startswith(b"PONG")
        except OSError:
            return False

    def scans(self) -> int:
        """How many streams clamd has scanned, from its own log."""
        return self.log.read_text().count("instream(")

    def scans_once_logged(self, expected: int, timeout: float = 5.0) -> int:
        """The count of scans once clamd has logged the expected number (its log is written a
        moment after it answers), or the count when the time is up."""
        deadline = time.monotonic() + timeout
        while self.scans() < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.scans()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@pytest.fixture(scope="module")
def clamd_process():
    if not os.path.exists(CLAMD):
        reason = "clamd is not installed (apt-get install clamav-daemon)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must test against the real scanner")
        pytest.skip(reason)
    # A short folder of its own: a Unix socket's path must stay under 108 characters.
    folder = Path(tempfile.mkdtemp(prefix="clamd-"))
    process = Clamd(folder, _free_port())
    yield process
    process.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clamd(clamd_process, settings):
    settings.CLAMAV_ADDRESS = clamd_process.socket_path
    return clamd_process


def upload(client, campaign, data, name="notes.txt", kind="key_messages"):
    return client.post(
        reverse("campaigns:material-add", args=[campaign.slug]),
        {
            "kind": kind,
            "title": "Scanned",
            "audience": "all_partners",
            "alt_text": "An image",
            "submission_key": str(uuid.uuid4()),
            "file": SimpleUploadedFile(name, data),
        },
    )


def film(size: int, *, tail: bytes = b"") -> bytes:
    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return header + bytes(size - len(header) - len(tail)) + tail


LIMITS_MESSAGE = "larger than the virus scanner is set to check"


def test_a_clean_upload_is_scanned_and_stored(client_for, charity_admin, campaign, clamd):
    before = clamd.scans()
    response = upload(client_for(charity_admin), campaign, b"Key messages for the launch.\n")
    assert response.status_code == 302
    assert clamd.scans_once_logged(before + 1) == before + 1
    assert MaterialVersion.objects.get().virus_checked


def test_an_infected_upload_is_refused_and_nothing_is_stored(
    client_for, charity_admin, campaign, clamd
):
    response = upload(client_for(charity_admin), campaign, b"Notes " + MARKER + b"\n")
    assert "contains a virus" in response.content.decode()
    assert not Material.objects.exists()


def test_a_film_over_clamds_file_limit_is_not_scanned_so_refused_as_such_never_a_virus(
    client_for, charity_admin, campaign, clamd
):
    # clamd reads the whole stream but scans none of it: "Heuristics.Limits.Exceeded".
    data = film(FILE_LIMIT + 4096)
    response = upload(client_for(charity_admin), campaign, data, name="launch.mp4", kind="film")
    page = response.content.decode()
    assert LIMITS_MESSAGE in page
    assert "contains a virus" not in page
    assert not Material.objects.exists()


def test_a_virus_past_clamds_file_limit_is_never_taken_for_clean(
    client_for, charity_admin, campaign, clamd
):
    data = film(FILE_LIMIT + 4096, tail=MARKER)
    response = upload(client_for(charity_admin), campaign, data, name="launch.mp4", kind="film")
    assert LIMITS_MESSAGE in response.content.decode()
    assert not Material.objects.exists()


def test_a_film_over_clamds_stream_limit_is_not_scanned_so_refused_as_such(
    client_for, charity_admin, campaign, clamd
):
    # clamd stops reading and answers "INSTREAM size limit exceeded" mid-file.
    data = film(STREAM_LIMIT + 512 * 1024)
    response = upload(client_for(charity_admin), campaign, data, name="launch.mp4", kind="film")
    page = response.content.decode()
    assert LIMITS_MESSAGE in page
    assert "could not be checked for viruses just now" not in page
    assert not Material.objects.exists()


@pytest.mark.parametrize("size", [FILE_LIMIT + 1, STREAM_LIMIT + 1, 4 * STREAM_LIMIT])
def test_over_tcp_too_each_limit_is_told_apart_from_clean_and_infected(
    clamd_process, settings, size
):
    import io

    settings.CLAMAV_ADDRESS = clamd_process.tcp_address
    assert scan_result(io.BytesIO(b"clean")) == "OK"
    assert scan_result(io.BytesIO(MARKER)) == f"{SIGNATURE}.UNOFFICIAL FOUND"
    with pytest.raises(ScanLimitExceeded):
        scan_result(io.BytesIO(bytes(size)))


def test_while_the_scanner_is_down_uploads_are_refused(
    client_for, charity_admin, campaign, settings
):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    settings.CLAMAV_ADDRESS = f"127.0.0.1:{port}"  # nothing listens there now
    response = upload(client_for(charity_admin), campaign, png_bytes(), name="p.png", kind="poster")
    assert "could not be checked for viruses" in response.content.decode()
    assert not Material.objects.exists()


def test_a_file_stored_before_scanning_was_on_is_not_served_until_scanned(
    client_for, police_officer, campaign, clamd
):
    material = make_material(campaign)
    client = client_for(police_officer)
    response = client.get(reverse("campaigns:material-download", args=[material.pk]))
    assert response.status_code == 409
    assert "waiting for a virus check" in response.content.decode()
    call_command("scan_stored_files")
    assert MaterialVersion.objects.get().virus_checked
    assert client.get(reverse("campaigns:material-download", args=[material.pk])).status_code == 200


def test_a_stored_file_over_the_limits_stays_unscanned_and_is_not_called_infected(
    campaign, clamd, capsys
):
    from django.core.files.base import ContentFile

    material = make_material(campaign)
    version = material.versions.get()
    version.file.save("launch.mp4", ContentFile(film(FILE_LIMIT + 4096)))
    call_command("scan_stored_files")
    output = capsys.readouterr()
    assert "0 files scanned clean, 0 found infected, 1 over the scanner's limits" in output.out
    assert "over the scanner's limits, not scanned" in output.err
    version.refresh_from_db()
    assert not version.virus_checked


def test_without_scanning_files_are_served_as_before(
    client_for, police_officer, campaign, settings
):
    settings.CLAMAV_ADDRESS = ""
    material = make_material(campaign)
    assert (
        client_for(police_officer)
        .get(reverse("campaigns:material-download", args=[material.pk]))
        .status_code
        == 200
    )


def test_a_file_too_big_to_scan_in_the_request_is_scanned_by_the_worker(
    client_for, charity_admin, campaign, clamd, settings, run_tasks
):
    settings.SCAN_IN_REQUEST_MAX_MB = 0  # every file counts as big here
    before = clamd.scans()
    response = upload(client_for(charity_admin), campaign, b"Key messages for the launch.\n")
    assert response.status_code == 302
    assert clamd.scans() == before, "the uploader did not wait for the scan"
    version = MaterialVersion.objects.get()
    assert not version.virus_checked
    run_tasks()
    assert clamd.scans_once_logged(before + 1) == before + 1
    version.refresh_from_db()
    assert version.virus_checked


def test_an_infected_big_file_stays_blocked_and_is_reported(
    client_for, charity_admin, campaign, clamd, settings, run_tasks, caplog
):
    import json
    import logging

    caplog.set_level(logging.WARNING, logger="portal.security")
    settings.SCAN_IN_REQUEST_MAX_MB = 0
    upload(client_for(charity_admin), campaign, b"Notes " + MARKER + b"\n")
    material = Material.objects.get()
    run_tasks()
    assert not material.versions.get().virus_checked
    events = [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "portal.security"
    ]
    assert any(
        event["event"] == "file.infected" and SIGNATURE in event["finding"] for event in events
    )


def test_a_scan_the_scanner_could_not_answer_is_retried_later(
    client_for, charity_admin, campaign, settings, run_tasks
):
    from django_tasks_db.models import DBTaskResult

    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    settings.CLAMAV_ADDRESS = f"127.0.0.1:{port}"  # nothing listens there now
    settings.SCAN_IN_REQUEST_MAX_MB = 0
    response = upload(client_for(charity_admin), campaign, b"Key messages.\n")
    assert response.status_code == 302
    run_tasks()
    assert not MaterialVersion.objects.get().virus_checked
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1, "tried again after a while"
