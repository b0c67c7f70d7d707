"""The cast every test can call on. Each fixture says what that person may and may not do.

The world: the charity runs `campaign`, in which force A and council B (inside force A's area)
take part. Another charity runs `other_campaign`, in which only force C takes part.
"""

import pytest

from agencies.models import Membership, Organisation
from tests.factories import (
    make_campaign,
    make_charity,
    make_force_area,
    make_organisation,
    make_region,
    make_user,
    sign_in_fully,
)


@pytest.fixture(scope="session", autouse=True)
def one_request_at_a_time_on_sqlite():
    """On SQLite the test database lives in memory, and the live server's threads share its one
    connection: two requests at once (a page and its preview, say) then fail with "cannot open
    savepoint - SQL statements in progress", which no deployment has, since each server process
    has its own connection. There the live server answers one request at a time (it then closes
    each connection, so browsers do not wait on a kept-alive one)."""
    from django.core.servers.basehttp import WSGIServer
    from django.db import connection
    from django.test.testcases import LiveServerThread

    class OneRequestAtATime(WSGIServer):
        # The live server's own thread already uses the shared connection, so the threaded
        # server's hand-over of it to each request thread is not needed.
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    if connection.vendor == "sqlite":
        LiveServerThread.server_class = OneRequestAtATime


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is deliberately slow; the suite signs people in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    # Rate-limit counts live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()


def pytest_addoption(parser):
    parser.addoption(
        "--media-storage",
        choices=["local", "s3"],
        default="local",
        help="where stored files go: a temporary folder (local) or a SeaweedFS bucket (s3), "
        "started for the run; CI runs the file tests both ways",
    )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible store (SeaweedFS) for the whole run."""
    from tests.servers import seaweedfs

    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(autouse=True)
def media_in_temporary_folder(settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    if request.config.getoption("--media-storage") == "s3":
        request.getfixturevalue("s3_storage")


@pytest.fixture
def s3_storage(settings, s3_server):
    """Stored files go to the S3 store, under a prefix of this test's own."""
    from tests.servers import unique_prefix

    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_server.storage_settings(location=unique_prefix()),
    }
    settings.MEDIA_STORAGE = "s3"
    return s3_server


@pytest.fixture
def run_tasks(db, monkeypatch):
    """Run what is queued, as the task worker does: the real database backend, in this process."""
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # The worker closes stale connections between tasks, as a request does at its end. Inside a
    # test's transaction that would close the test's own connection (PostgreSQL): the test client
    # skips the same call for the same reason.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        call_command("run_worker", "--batch", stdout=StringIO())

    return run


@pytest.fixture
def immediate_tasks(settings):
    """For tests that say so: tasks run as soon as they are queued (after commit), no worker."""
    # django-tasks rebuilds its backends when the TASKS setting changes, and again after the test.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port, with the portal pointed at it; start() it in the test
    (so a test can also begin with the server down) and set .handler.mode to refuse or hang."""
    from tests.smtp_server import SMTPServer

    server = SMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    yield server
    server.stop()


@pytest.fixture
def region(db):
    return make_region("South West England")


@pytest.fixture
def charity(db):
    return make_charity("The Lucy Faithfull Foundation")


@pytest.fixture
def force_a(region):
    return make_organisation(
        "Avon and Somerset Police",
        Organisation.Kind.POLICE_FORCE,
        force_area=make_force_area("Avon and Somerset", region),
    )


@pytest.fixture
def council_b(force_a):
    return make_organisation(
        "South Somerset District Council", Organisation.Kind.COUNCIL, force_area=force_a.force_area
    )


@pytest.fixture
def force_c(region):
    return make_organisation(
        "Wiltshire Police",
        Organisation.Kind.POLICE_FORCE,
        force_area=make_force_area("Wiltshire", region),
    )


@pytest.fixture
def other_charity(db):
    return make_charity("Another Charity")


@pytest.fixture
def campaign(charity, force_a, council_b, region):
    return make_campaign(
        "South West regional campaign", lead=charity, partners=(force_a, council_b), region=region
    )


@pytest.fixture
def other_campaign(other_charity, force_c):
    return make_campaign("Another campaign", lead=other_charity, partners=(force_c,))


@pytest.fixture
def charity_admin(charity):
    """May do everything in the charity's campaigns and manage people in any organisation.
    May not administer another charity's campaigns."""
    return make_user(
        "admin@charity.example", organisation=charity, role=Membership.Role.CAMPAIGN_ADMIN
    )


@pytest.fixture
def police_officer(force_a):
    """A member of force A: sees the charity's campaign; may not manage people or campaigns."""
    return make_user("officer@force-a.example", organisation=force_a)


@pytest.fixture
def force_lead(force_a):
    """A lead of force A: also invites and deactivates force A's people, nobody else's."""
    return make_user("lead@force-a.example", organisation=force_a, role=Membership.Role.LEAD)


@pytest.fixture
def council_officer(council_b):
    """A member of council B, inside force A's area: sees the charity's campaign."""
    return make_user("officer@council-b.example", organisation=council_b)


@pytest.fixture
def other_force_officer(force_c):
    """A member of force C, which takes part only in the other charity's campaign."""
    return make_user("officer@force-c.example", organisation=force_c)


@pytest.fixture
def other_force_lead(force_c):
    """A lead of force C: manages force C's people only."""
    return make_user("lead@force-c.example", organisation=force_c, role=Membership.Role.LEAD)


@pytest.fixture
def other_charity_admin(other_charity):
    """A campaign admin of the other charity: runs other_campaign, not the charity's campaign."""
    return make_user(
        "admin@other-charity.example",
        organisation=other_charity,
        role=Membership.Role.CAMPAIGN_ADMIN,
    )


@pytest.fixture
def outsider(db):
    """Signed in but a member of no organisation: sees nothing."""
    return make_user("nobody@example.org")


@pytest.fixture
def staff(db):
    """A system administrator: the Django admin, but no campaign membership."""
    return make_user("sysadmin@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given person, both steps done (or anonymous for None)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            sign_in_fully(client, user)
        return client

    return sign_in
