"""Virus scanning fails closed. ClamAV's signatures cannot be downloaded on this network, so the
scanner here is a small stand-in server that speaks clamd's INSTREAM protocol over TCP and
reports the standard EICAR test string as infected."""

import socket
import struct
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import Material, MaterialVersion
from tests.factories import make_material, png_bytes

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.scanned = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.server.settimeout(10)
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                assert connection.recv(10) == b"zINSTREAM\0"
                data = b""
                while True:
                    size = struct.unpack(">I", self._exactly(connection, 4))[0]
                    if size == 0:
                        break
                    data += self._exactly(connection, size)
                self.scanned += 1
                answer = b"stream: Eicar-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
                connection.sendall(answer)

    @staticmethod
    def _exactly(connection, size):
        data = b""
        while len(data) < size:
            data += connection.recv(size - len(data))
        return data

    def close(self):
        self.server.close()


@pytest.fixture
def clamd(settings):
    server = FakeClamd()
    settings.CLAMAV_ADDRESS = server.address
    yield server
    server.close()


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


def test_a_clean_upload_is_scanned_and_stored(client_for, charity_admin, campaign, clamd):
    response = upload(client_for(charity_admin), campaign, b"Key messages for the launch.\n")
    assert response.status_code == 302
    assert clamd.scanned == 1
    assert MaterialVersion.objects.get().virus_checked


def test_an_infected_upload_is_refused_and_nothing_is_stored(
    client_for, charity_admin, campaign, clamd
):
    response = upload(client_for(charity_admin), campaign, EICAR + b"\n")
    assert "contains a virus" in response.content.decode()
    assert not Material.objects.exists()


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
    from django.core.management import call_command

    material = make_material(campaign)
    client = client_for(police_officer)
    response = client.get(reverse("campaigns:material-download", args=[material.pk]))
    assert response.status_code == 409
    assert "waiting for a virus check" in response.content.decode()
    call_command("scan_stored_files")
    assert MaterialVersion.objects.get().virus_checked
    assert client.get(reverse("campaigns:material-download", args=[material.pk])).status_code == 200


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
