"""When something underneath the portal fails, nothing is left half-done.

Each test makes a real fault (a database connection killed by the server, a media folder that
cannot be created, a database that refuses audit entries) and drives the real views. Nothing of the
portal's own code is mocked.
"""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from agencies.sessions import LAST_SEEN_AT
from audit.models import AuditEntry
from campaigns.models import (
    Activity,
    ActivityRevision,
    Channel,
    FigureImport,
    Material,
    MaterialVersion,
    WithdrawalNotice,
)
from campaigns.services import material as material_services
from tests.factories import make_force_area, make_material, png_bytes, sign_in_fully

ERROR_PAGE_HEADING = "Sorry, something went wrong"


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def assert_form_kept_with_storage_message(response, kept: str) -> None:
    """The form again, as filled in, saying that nothing was saved because of the store."""
    assert response.status_code == 503
    page = response.content.decode()
    assert "The file store cannot be reached just now, so nothing was saved." in page
    assert kept in page


def assert_error_page(response) -> None:
    """The portal's own 500 page: what a person sees when something unexpected fails."""
    assert response.status_code == 500
    assert ERROR_PAGE_HEADING in response.content.decode()


# --- a. A database connection that dies -----------------------------------------------------------
def serve(path: str, cookies: dict[str, str]) -> tuple[int, bytes]:
    """One GET through portal.wsgi's application, as gunicorn calls it: the request_started and
    request_finished signals run Django's connection housekeeping (close_old_connections).

    The test Client cannot show what happens between requests: it disconnects
    close_old_connections from both signals, so a dead connection would never be looked at.
    """
    from portal.wsgi import application

    environ = (
        RequestFactory()
        .get(path, HTTP_COOKIE="; ".join(f"{name}={value}" for name, value in cookies.items()))
        .environ
    )
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list, exc_info=None) -> None:
        answer["status"] = status

    response = application(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()  # fires request_finished, as a WSGI server does
    return int(answer["status"].split()[0]), body


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate_from_outside(pid: int) -> None:
    """Kill the backend from a second, separate connection and wait until it has gone."""
    import time

    import psycopg2

    params = connection.settings_dict
    other = psycopg2.connect(
        dbname=connection.get_connection_params()["dbname"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                time.sleep(0.02)
        raise AssertionError(f"backend {pid} was still there 5 s after pg_terminate_backend")
    finally:
        other.close()


@pytest.fixture
def signed_in_cookies(client, police_officer) -> dict[str, str]:
    sign_in_fully(client, police_officer)
    return {name: morsel.value for name, morsel in client.cookies.items()}


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_between_requests_is_replaced_before_the_next_one(signed_in_cookies):
    """With CONN_MAX_AGE > 0 a worker keeps its database connection between requests. If the
    server ends it (a restart, a failover, an idle-session timeout), CONN_HEALTH_CHECKS makes
    Django test the kept connection (SELECT 1) before the first query of the next request and
    open a new one if it has died, so that request succeeds.

    What it does not guarantee: a connection that dies *during* a request fails that request
    (a 500, with the transaction rolled back); the connection is then dropped when the request
    ends (errors_occurred) and the next request gets a new one. A real restart during a load run
    is measured by `python -m bench faults`.
    """
    if not on_postgresql():
        pytest.skip("needs PostgreSQL: pg_terminate_backend ends a server-side backend")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0

    status, _ = serve("/", signed_in_cookies)
    assert status == 200
    kept = backend_pid()  # the connection the request used is kept for the next one

    terminate_from_outside(kept)

    status, body = serve("/", signed_in_cookies)
    assert status == 200, body.decode()[:500]
    assert backend_pid() != kept


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("session_engine", ["portal.sessions", "portal.cached_sessions"])
def test_a_signed_in_requests_first_lookup_is_its_health_check(
    signed_in_cookies, settings, monkeypatch, session_engine
):
    """A signed-in request's first query, the session's or the person's lookup, is sent in place
    of SELECT 1 on a kept connection: a healthy one is not tested separately, and a dead one is
    still replaced within the request, which succeeds."""
    if not on_postgresql():
        pytest.skip("needs PostgreSQL: pg_terminate_backend ends a server-side backend")
    settings.SESSION_ENGINE = session_engine
    tested = []
    is_usable = connection.is_usable

    def counted_is_usable():
        tested.append(connection.connection)
        return is_usable()

    monkeypatch.setattr(connection, "is_usable", counted_is_usable)
    status, _ = serve("/", signed_in_cookies)
    assert status == 200
    status, _ = serve("/", signed_in_cookies)
    assert status == 200
    assert tested == [], "a healthy kept connection is not tested with a query of its own"

    kept = backend_pid()  # a query outside any request: Django's own health check runs for it
    terminate_from_outside(kept)
    tested.clear()
    status, body = serve("/", signed_in_cookies)
    assert status == 200, body.decode()[:500]
    assert len(tested) == 1, "the failed lookup's connection was tested, found dead and replaced"
    assert backend_pid() != kept


@pytest.mark.django_db(transaction=True)
def test_without_the_health_check_the_first_request_after_the_kill_fails(
    signed_in_cookies,
):
    """Why CONN_HEALTH_CHECKS is on: without it, the request that first meets the dead
    connection is a 500 (the portal's error page); the connection is dropped at its end and
    the request after it succeeds."""
    if not on_postgresql():
        pytest.skip("needs PostgreSQL: pg_terminate_backend ends a server-side backend")
    status, _ = serve("/", signed_in_cookies)
    assert status == 200
    kept = backend_pid()
    connection.health_check_enabled = False  # until the next connect(), which resets it
    terminate_from_outside(kept)

    status, body = serve("/", signed_in_cookies)
    assert status == 500
    assert ERROR_PAGE_HEADING in body.decode()
    status, _ = serve("/", signed_in_cookies)
    assert status == 200
    assert connection.health_check_enabled is True
    assert backend_pid() != kept


# --- b. Storage errors during uploads ------------------------------------------------------------
@pytest.fixture
def unusable_media_root(settings, tmp_path) -> Path:
    """MEDIA_ROOT under a regular file: creating any folder in it fails (ENOTDIR), even for
    root, as a full, read-only or unmounted volume would."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media volume should be")
    settings.MEDIA_ROOT = blocker / "media"
    return tmp_path


def poster_data() -> dict:
    return {
        "kind": "poster",
        "title": "Launch poster",
        "audience": "all_partners",
        "alt_text": "The campaign poster with the helpline number",
        "submission_key": str(uuid.uuid4()),
        "file": SimpleUploadedFile("launch-poster.png", png_bytes((300, 200)), "image/png"),
    }


def activity_data(**overrides) -> dict:
    data = {
        "activity_type": "posters",
        "started_on": "2026-07-10",
        "ended_on": "2026-08-10",
        "quantity": "12",
        "channel": "Libraries",
        "place": "Yeovil library",
        "submission_key": str(uuid.uuid4()),
        "evidence_file": SimpleUploadedFile("library.png", png_bytes((40, 30)), "image/png"),
    }
    data.update(overrides)
    return data


def assert_no_material_saved() -> None:
    assert not Material.objects.exists()
    assert not MaterialVersion.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.MATERIAL_SUBMITTED).exists()


def assert_no_activity_saved() -> None:
    assert not Activity.objects.exists()
    assert not ActivityRevision.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.ACTIVITY_LOGGED).exists()


def test_an_upload_the_storage_cannot_keep_saves_nothing(
    client_for, charity_admin, campaign, unusable_media_root
):
    client = client_for(charity_admin)
    client.raise_request_exception = False
    response = client.post(reverse("campaigns:material-add", args=[campaign.slug]), poster_data())
    assert_form_kept_with_storage_message(response, 'value="Launch poster"')
    assert_no_material_saved()
    assert stored_files(unusable_media_root) == [unusable_media_root / "not-a-folder"]


def test_an_upload_from_the_page_script_the_storage_cannot_keep_saves_nothing(
    client_for, charity_admin, campaign, unusable_media_root
):
    client = client_for(charity_admin)
    client.raise_request_exception = False
    response = client.post(
        reverse("campaigns:material-add", args=[campaign.slug]),
        poster_data(),
        HTTP_ACCEPT="application/json",
    )
    # The script asked for JSON and gets the reason, to show beside the file it sent.
    assert response.status_code == 503
    assert "nothing was saved" in " ".join(response.json()["errors"]["__all__"])
    assert_no_material_saved()


def test_an_upload_whose_preview_cannot_be_stored_leaves_no_file(
    client_for, charity_admin, campaign, settings
):
    # Material can be stored, previews cannot: "previews" is a file, not a folder.
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True)
    (media / "previews").write_text("a file where the previews folder should be")
    client = client_for(charity_admin)
    client.raise_request_exception = False
    response = client.post(reverse("campaigns:material-add", args=[campaign.slug]), poster_data())
    assert_form_kept_with_storage_message(response, 'value="Launch poster"')
    assert_no_material_saved()
    assert stored_files(media) == [media / "previews"]


def test_evidence_the_storage_cannot_keep_saves_no_activity(
    client_for, council_officer, campaign, unusable_media_root
):
    client = client_for(council_officer)
    client.raise_request_exception = False
    response = client.post(
        reverse("campaigns:activity-create", args=[campaign.slug]), activity_data()
    )
    assert_form_kept_with_storage_message(response, 'value="Yeovil library"')
    assert_no_activity_saved()
    assert stored_files(unusable_media_root) == [unusable_media_root / "not-a-folder"]


def make_figure_areas(region) -> None:
    make_force_area("Avon and Somerset", region)
    Channel.objects.create(name="Website", slug="website", position=1)


def figures_file() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "figures.csv", b"area,channel,period,count,note\nAvon and Somerset,Website,2026-03,41,\n"
    )


def assert_figures_kept_with_storage_message(response) -> None:
    """The import page again with the file's preview, saying that nothing was saved."""
    assert response.status_code == 503
    page = response.content.decode()
    assert "The file store cannot be reached just now, so nothing was saved." in page
    assert "1 row: <strong>1</strong> to add" in page, "what the file would change is shown"
    assert "there is nothing to change" not in page
    assert not FigureImport.objects.exists()


def test_a_figure_import_the_storage_cannot_keep_saves_nothing_and_keeps_the_preview(
    client_for, charity_admin, region, unusable_media_root
):
    make_figure_areas(region)
    client = client_for(charity_admin)
    client.raise_request_exception = False
    response = client.post(reverse("campaigns:figures-import"), {"spreadsheet": figures_file()})
    assert_figures_kept_with_storage_message(response)
    assert stored_files(unusable_media_root) == [unusable_media_root / "not-a-folder"]


def test_a_logo_the_storage_cannot_keep_is_not_saved_and_says_why(
    client_for, force_lead, force_a, unusable_media_root
):
    client = client_for(force_lead)
    client.raise_request_exception = False
    response = client.post(
        reverse("agencies:organisation-logo", args=[force_a.slug]),
        {"logo": SimpleUploadedFile("logo.png", png_bytes((300, 100)), "image/png")},
        follow=True,
    )
    assert response.status_code == 200
    assert "The logo was not saved: the file store cannot be reached just now." in (
        response.content.decode()
    )
    force_a.refresh_from_db()
    assert not force_a.logo
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGO_CHANGED).exists()
    assert stored_files(unusable_media_root) == [unusable_media_root / "not-a-folder"]


# --- c. The audit trail refuses to be written ----------------------------------------------------
SQLITE_AUDIT_DOWN = """
CREATE TRIGGER test_audit_down BEFORE INSERT ON portal_auditentry
BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END;
"""
POSTGRESQL_AUDIT_DOWN = """
CREATE FUNCTION test_audit_down() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit store unavailable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER test_audit_down BEFORE INSERT ON portal_auditentry
    FOR EACH ROW EXECUTE FUNCTION test_audit_down();
"""
SQLITE_AUDIT_UP = "DROP TRIGGER IF EXISTS test_audit_down;"
POSTGRESQL_AUDIT_UP = """
DROP TRIGGER IF EXISTS test_audit_down ON portal_auditentry;
DROP FUNCTION IF EXISTS test_audit_down();
"""


@contextmanager
def audit_store_down() -> Iterator[None]:
    """Every insert into the audit trail fails in the database itself, until the block ends."""
    down, up = (
        (POSTGRESQL_AUDIT_DOWN, POSTGRESQL_AUDIT_UP)
        if on_postgresql()
        else (SQLITE_AUDIT_DOWN, SQLITE_AUDIT_UP)
    )
    with connection.cursor() as cursor:
        cursor.execute(down)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(up)


def approve_url(material, number: int) -> str:
    return reverse("campaigns:version-approve", args=[material.pk, number])


def add_version_in_review(material: Material, by) -> MaterialVersion:
    data = png_bytes((80, 60), "maroon")
    version = MaterialVersion(
        material=material,
        number=material.versions.count() + 1,
        alt_text="The new poster",
        uploaded_by=by,
        original_filename="poster-v2.png",
        content_type="image/png",
        size=len(data),
        sha256="0" * 64,
    )
    version.file.save("poster-v2.png", ContentFile(data), save=False)
    version.save()
    return version


@pytest.mark.django_db(transaction=True)
def test_an_approval_whose_audit_entry_cannot_be_written_changes_nothing(
    client_for, charity_admin, police_officer, force_a, campaign, run_tasks
):
    material = make_material(
        campaign, owner=force_a, approved=False, by=police_officer, title="Force poster"
    )
    client = client_for(charity_admin)
    client.raise_request_exception = False
    with audit_store_down():
        response = client.post(approve_url(material, 1), {"comment": "Lovely"})
    assert_error_page(response)
    version = material.versions.get()
    assert version.status == MaterialVersion.Status.IN_REVIEW
    assert (version.decided_by, version.decided_at, version.decision_comment) == (None, None, "")
    assert not MaterialVersion.objects.filter(status=MaterialVersion.Status.APPROVED).exists()
    assert not AuditEntry.objects.exists()
    run_tasks()
    assert mail.outbox == [], "nobody is told of a decision that was not made"


@pytest.mark.django_db(transaction=True)
def test_approving_a_new_version_without_its_audit_entry_keeps_the_old_one_current(
    client_for, charity_admin, police_officer, force_a, campaign, run_tasks
):
    """Approving version 2 first supersedes version 1: that too must be undone."""
    material = make_material(campaign, owner=force_a, by=charity_admin, title="Force poster")
    add_version_in_review(material, police_officer)
    client = client_for(charity_admin)
    client.raise_request_exception = False
    with audit_store_down():
        response = client.post(approve_url(material, 2))
    assert_error_page(response)
    statuses = dict(material.versions.values_list("number", "status"))
    assert statuses == {1: MaterialVersion.Status.APPROVED, 2: MaterialVersion.Status.IN_REVIEW}
    run_tasks()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_whose_audit_entry_cannot_be_written_changes_nothing(
    client_for, charity_admin, police_officer, campaign, run_tasks
):
    material = make_material(campaign, title="Old card")
    material_services.record_downloads(
        [material.versions.get()],
        user=police_officer,
        organisation=None,
        embargo_acknowledged=False,
    )
    revision = Material.objects.get(pk=material.pk).revision
    audit_entries = AuditEntry.objects.count()
    client = client_for(charity_admin)
    client.raise_request_exception = False
    with audit_store_down():
        response = client.post(
            reverse("campaigns:material-withdraw", args=[material.pk]), {"reason": "Wrong number"}
        )
    assert_error_page(response)
    material.refresh_from_db()
    assert (material.withdrawn_at, material.withdrawn_by, material.withdrawal_reason) == (
        None,
        None,
        "",
    )
    assert material.revision == revision
    assert not WithdrawalNotice.objects.exists()
    assert AuditEntry.objects.count() == audit_entries
    run_tasks()
    assert mail.outbox == [], "downloaders are not told of a withdrawal that did not happen"
    assert material.versions.get().status == MaterialVersion.Status.APPROVED
    assert client.get(reverse("campaigns:material-detail", args=[material.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_upload_whose_audit_entry_cannot_be_written_saves_nothing(
    client_for, charity_admin, campaign, settings
):
    client = client_for(charity_admin)
    client.raise_request_exception = False
    with audit_store_down():
        response = client.post(
            reverse("campaigns:material-add", args=[campaign.slug]), poster_data()
        )
    assert_error_page(response)
    assert_no_material_saved()
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.django_db(transaction=True)
def test_activity_whose_audit_entry_cannot_be_written_saves_nothing(
    client_for, council_officer, campaign, settings
):
    client = client_for(council_officer)
    client.raise_request_exception = False
    with audit_store_down():
        response = client.post(
            reverse("campaigns:activity-create", args=[campaign.slug]), activity_data()
        )
    assert_error_page(response)
    assert_no_activity_saved()
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


POSTGRESQL_SESSIONS_DOWN = """
CREATE FUNCTION test_sessions_down() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'terminating connection due to administrator command'
        USING ERRCODE = 'admin_shutdown';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER test_sessions_down BEFORE UPDATE ON django_session
    FOR EACH ROW EXECUTE FUNCTION test_sessions_down();
"""
POSTGRESQL_SESSIONS_UP = """
DROP TRIGGER IF EXISTS test_sessions_down ON django_session;
DROP FUNCTION IF EXISTS test_sessions_down();
"""


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_while_saving_the_session_shows_the_error_page(
    client_for, police_officer
):
    """What `python -m bench faults` saw when PostgreSQL went away at the end of a request: the
    error a restart gives (admin_shutdown, 57P01), raised when the session is saved."""
    if not on_postgresql():
        pytest.skip(
            "needs PostgreSQL: SQLite triggers can only raise constraint errors, which the "
            "session store passes on unchanged (a 500)"
        )
    client = client_for(police_officer)
    client.raise_request_exception = False
    # A GET saves the session only when the last recorded activity is a minute old: make it so.
    session = client.session
    session[LAST_SEEN_AT] = time.time() - 120
    session.save()
    with connection.cursor() as cursor:
        cursor.execute(POSTGRESQL_SESSIONS_DOWN)
    try:
        response = client.get("/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(POSTGRESQL_SESSIONS_UP)
    assert_error_page(response)
