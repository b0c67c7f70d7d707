"""deploy/nginx.conf, run by Debian's nginx in front of the portal: downloads handed off with
X-Accel-Redirect (local disk and S3), internal locations closed to browsers, static files,
uploads read whole before the portal sees them, and the client's address passed on."""

import http.client
import re
import socket
import threading
import time
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from campaigns.models import Download
from tests.factories import make_material, png_bytes, sign_in_fully
from tests.servers import free_port, nginx

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(base: str, path: str, *, headers: dict | None = None, method: str = "GET", body=None):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.headers, data


@pytest.fixture
def downloads_via_nginx(settings):
    settings.DOWNLOADS_VIA = "nginx"
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def front(live_server, tmp_path, settings, downloads_via_nginx):
    """nginx in front of the live server, with this test's media folder behind it."""
    s3_endpoint = "http://127.0.0.1:9"
    if settings.MEDIA_STORAGE == "s3":
        s3_endpoint = settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]
    with nginx(
        tmp_path / "nginx",
        web_address=live_server.url.removeprefix("http://"),
        media_root=Path(settings.MEDIA_ROOT),
        static_root=Path(settings.STATIC_ROOT),
        s3_endpoint=s3_endpoint,
    ) as server:
        yield server


def cookie_for(client, user) -> str:
    sign_in_fully(client, user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def check_download_through(
    front, client, person, campaign, *, filename="Launch poster.png", disposition=None
) -> None:
    data = png_bytes((300, 200), "navy") + bytes(range(256)) * 4000
    material = make_material(campaign, file_bytes=data, filename=filename)
    status, headers, body = fetch(
        front.url,
        reverse("campaigns:material-download", args=[material.pk]),
        headers={"Cookie": cookie_for(client, person), "X-Forwarded-For": "203.0.113.9"},
    )
    assert status == 200, front.log()
    assert body == data
    assert headers.get_all("Content-Disposition") == [
        disposition or f'attachment; filename="{filename}"'
    ]
    assert headers.get_all("Content-Type") == ["image/png"]
    assert headers.get_all("X-Content-Type-Options") == ["nosniff"]
    assert headers.get_all("Content-Security-Policy") == [
        "default-src 'none'; img-src 'self'; sandbox"
    ]
    assert headers.get_all("Cache-Control") == ["private, no-store"]
    assert int(headers["Content-Length"]) == len(data)
    assert "X-Portal-Object" not in headers, "the signed link never reaches the browser"
    assert "X-Portal-If-Not-Sent" not in headers
    assert "X-Accel-Redirect" not in headers
    assert Download.objects.get().user == person
    entry = AuditEntry.objects.get(action="asset.downloaded")
    assert entry.ip_address == "127.0.0.1", "nginx's own view of the client, not the forged header"


def test_a_download_from_disk_is_sent_by_nginx_with_the_protective_headers(
    front, client, police_officer, campaign, settings
):
    if settings.MEDIA_STORAGE == "s3":
        pytest.skip("this test is about local storage; the S3 one follows")
    check_download_through(front, client, police_officer, campaign)


def test_a_download_from_the_object_store_is_fetched_by_nginx_with_a_signed_link(
    s3_storage, front, client, police_officer, campaign
):
    check_download_through(front, client, police_officer, campaign)


def test_the_object_store_names_a_download_as_the_portal_would(
    s3_storage, front, client, police_officer, campaign
):
    """The store, not the portal, sends Content-Disposition with an object: a name outside ASCII
    arrives as Django itself would have written it."""
    check_download_through(
        front,
        client,
        police_officer,
        campaign,
        filename="Affiche de l’été.png",
        disposition="attachment; filename*=utf-8''Affiche%20de%20l%E2%80%99%C3%A9t%C3%A9.png",
    )


@pytest.fixture
def front_of_a_failing_store(live_server, tmp_path, settings, downloads_via_nginx, s3_storage):
    """nginx in front of the live server, where the store fails after the portal's check: the
    portal reaches the store, nginx finds nothing listening at the store's address."""
    with nginx(
        tmp_path / "nginx",
        web_address=live_server.url.removeprefix("http://"),
        media_root=Path(settings.MEDIA_ROOT),
        static_root=Path(settings.STATIC_ROOT),
        s3_endpoint=f"http://127.0.0.1:{free_port()}",
    ) as server:
        yield server


def assert_not_sent_page(status, headers, body) -> None:
    """The portal's own page (not nginx's), saying nothing was downloaded, shown as a page: not
    saved under the file's name as if it were the file."""
    assert status == 503
    page = body.decode()
    assert "The file store cannot be reached just now, so nothing was downloaded." in page
    assert "<title>The file cannot be sent just now" in page
    assert headers.get_all("Content-Type") == ["text/html; charset=utf-8"]
    assert "Content-Disposition" not in headers
    assert "X-Portal-If-Not-Sent" not in headers and "X-Portal-Object" not in headers


def test_a_store_failing_as_nginx_fetches_gives_the_portals_page_and_leaves_no_record(
    front_of_a_failing_store, client, police_officer, campaign
):
    material = make_material(campaign, file_bytes=b"%PDF-1.7 the briefing", filename="brief.pdf")
    answer = fetch(
        front_of_a_failing_store.url,
        reverse("campaigns:material-download", args=[material.pk]),
        headers={"Cookie": cookie_for(client, police_officer)},
    )
    assert_not_sent_page(*answer)
    assert b"%PDF" not in answer[2]
    assert not Download.objects.exists()
    # The trail keeps what happened: the download was recorded, then found not sent.
    entries = AuditEntry.objects.filter(action__startswith="asset.download").order_by("pk")
    assert [(e.action, e.actor) for e in entries] == [
        ("asset.downloaded", police_officer),
        ("asset.download_not_sent", police_officer),
    ]


def test_an_embargoed_download_whose_store_fails_as_nginx_fetches_leaves_no_record(
    front_of_a_failing_store, client, police_officer, campaign
):
    """The download was a POST (the embargo acknowledged); nginx asks for the portal's page with
    a GET, without the form."""
    material = make_material(
        campaign,
        file_bytes=b"%PDF-1.7 embargoed",
        filename="release.pdf",
        embargo_until=timezone.now() + timedelta(days=2),
    )
    cookie = cookie_for(client, police_officer)
    path = reverse("campaigns:material-download", args=[material.pk])
    _, headers, form = fetch(front_of_a_failing_store.url, path, headers={"Cookie": cookie})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1).decode()
    set_cookies = SimpleCookie()
    for header in headers.get_all("Set-Cookie"):
        set_cookies.load(header)
    csrf = set_cookies[settings.CSRF_COOKIE_NAME].value
    answer = fetch(
        front_of_a_failing_store.url,
        path,
        method="POST",
        body=f"csrfmiddlewaretoken={token}&acknowledge=on",
        headers={
            "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert_not_sent_page(*answer)
    assert not Download.objects.exists()
    assert AuditEntry.objects.filter(action="asset.download_not_sent").count() == 1


def test_a_browser_cannot_say_a_download_was_not_sent(front, client, police_officer, campaign):
    """Only nginx tells the portal that the store failed: the header from a browser is dropped."""
    from campaigns.services import material as material_services

    downloads = material_services.record_downloads(
        [make_material(campaign).current_version],
        user=police_officer,
        organisation=None,
        embargo_acknowledged=False,
    )
    status, _, _ = fetch(
        front.url,
        reverse("campaigns:download-not-sent"),
        headers={
            "Cookie": cookie_for(client, police_officer),
            "X-Portal-If-Not-Sent": material_services.not_sent_note(downloads),
        },
    )
    assert status == 503
    assert Download.objects.count() == 1


def test_a_browsers_note_is_not_passed_on_when_the_store_fails(
    front_of_a_failing_store, client, police_officer, campaign
):
    """Where nginx turns to the portal after the store failed, it passes on only the portal's own
    note: the browser's is dropped, whether the portal's answer had a note (a download) or none
    (a preview)."""
    from campaigns.services import material as material_services

    earlier = make_material(campaign, title="Earlier", file_bytes=png_bytes(), filename="a.png")
    [kept] = material_services.record_downloads(
        [earlier.current_version],
        user=police_officer,
        organisation=None,
        embargo_acknowledged=False,
        sending=[],
    )
    headers = {
        "Cookie": cookie_for(client, police_officer),
        "X-Portal-If-Not-Sent": material_services.not_sent_note([kept]),
    }
    material = make_material(campaign, file_bytes=b"%PDF-1.7 the briefing", filename="brief.pdf")
    answer = fetch(
        front_of_a_failing_store.url,
        reverse("campaigns:material-download", args=[material.pk]),
        headers=headers,
    )
    assert_not_sent_page(*answer)
    assert list(Download.objects.all()) == [kept], "the failed download's record alone is gone"
    version = earlier.current_version
    version.preview.save("preview.png", ContentFile(png_bytes()))
    status, _, page = fetch(front_of_a_failing_store.url, version.preview_url, headers=headers)
    assert status == 503
    assert b"<title>The file cannot be sent just now" in page, "nginx turned to the portal"
    assert list(Download.objects.all()) == [kept]
    assert AuditEntry.objects.filter(action="asset.download_not_sent").count() == 1


def test_the_internal_locations_are_404_to_a_browser(front, police_officer, campaign, client):
    material = make_material(campaign, file_bytes=png_bytes(), filename="poster.png")
    cookie = {"Cookie": cookie_for(client, police_officer)}
    stored = material.current_version.file.name
    assert fetch(front.url, f"/_protected/media/{stored}", headers=cookie)[0] == 404
    assert fetch(front.url, "/_protected/object", headers=cookie)[0] == 404
    signed = {**cookie, "X-Portal-Object": f"/portal-test/{stored}"}
    assert fetch(front.url, "/_protected/object", headers=signed)[0] == 404


def test_a_download_refused_by_the_portal_sends_nothing(front, client, council_officer, campaign):
    material = make_material(campaign, audience="police_forces", file_bytes=b"%PDF-secret")
    status, _, body = fetch(
        front.url,
        reverse("campaigns:material-download", args=[material.pk]),
        headers={"Cookie": cookie_for(client, council_officer)},
    )
    assert status == 404
    assert b"%PDF-secret" not in body
    assert not Download.objects.exists()


def test_static_files_are_served_by_nginx(front):
    static = Path(settings.STATIC_ROOT)
    css = next(static.glob("portal/*.css"))
    status, headers, body = fetch(front.url, f"/static/portal/{css.name}")
    assert status == 200
    assert body == css.read_bytes()
    assert headers["X-Content-Type-Options"] == "nosniff"


class RecordingUpstream:
    """A web server that notes when the first byte of each request reaches it, and answers 200."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.first_byte_at: list[float] = []
        self.received: list[int] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                data = connection.recv(65536)
                self.first_byte_at.append(time.monotonic())
                total = len(data)
                connection.settimeout(2)
                try:
                    while part := connection.recv(65536):
                        total += len(part)
                        if b"\r\n\r\n" in data and total >= self._expected(data):
                            break
                except TimeoutError:
                    pass
                self.received.append(total)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    @staticmethod
    def _expected(head: bytes) -> int:
        headers, _, _ = head.partition(b"\r\n\r\n")
        for line in headers.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                return len(headers) + 4 + int(line.split(b":")[1])
        return 0


def test_an_upload_reaches_the_portal_only_once_nginx_has_all_of_it(tmp_path):
    upstream = RecordingUpstream()
    with nginx(
        tmp_path / "nginx",
        web_address=f"127.0.0.1:{upstream.port}",
        media_root=tmp_path,
        static_root=tmp_path,
        upload_max_body_mb=8,
    ) as server:
        size = 3 * 1024 * 1024
        sender = socket.create_connection(("127.0.0.1", server.port))
        sender.sendall(
            b"POST /upload/ HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/octet-stream\r\n"
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        sender.sendall(b"x" * (size // 2))
        time.sleep(1.5)  # a slow client, half-way through its upload
        assert upstream.first_byte_at == [], "the portal saw the upload before it was complete"
        finished_at = time.monotonic()
        sender.sendall(b"x" * (size - size // 2))
        answer = sender.recv(4096)
        sender.close()
        assert answer.startswith(b"HTTP/1.1 200")
        assert upstream.first_byte_at[0] >= finished_at
        assert upstream.received[0] >= size

        too_big = fetch(server.url, "/upload/", method="POST", body=b"x" * (9 * 1024 * 1024))
        assert too_big[0] == 413
        assert len(upstream.first_byte_at) == 1, "an upload over the limit never reaches it"
