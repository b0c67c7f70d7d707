"""An isolated portal to benchmark: its own database, media, static files and gunicorn server.

Figures only mean something when measured the way the portal runs in production: DEBUG off,
served by gunicorn's sync workers under WSGI, from a database that holds only the benchmark's data.
An Environment makes a temporary directory holding an SQLite database (or uses DATABASE_URL from
the environment, e.g. a PostgreSQL database kept for benchmarks), MEDIA_ROOT and STATIC_ROOT;
migrates the database and collects the static files into it; and sets the environment variables
the settings need in production mode, both for this process (so that benchmarks create their data
with the ORM, see data.py) and for the gunicorn servers it starts. People are signed in by creating
their session directly, as Django's test Client.force_login does, so no password is ever hashed.

Closing the environment stops every server it started and removes the temporary directory, also
when a benchmark fails. Rows written to an external database (DATABASE_URL) stay there: the portal's
audit trail is append-only, so a run uses names of its own instead of cleaning up.
"""

import http.client
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from importlib import import_module
from importlib.metadata import version as package_version
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings"
STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


class BenchError(Exception):
    """Something the benchmark needs did not work; the message says what, with any server log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A gunicorn master serving portal.wsgi on a free loopback port, with its log in a file."""

    def __init__(
        self,
        environment: "Environment",
        *,
        workers: int = 1,
        worker_class: str = "sync",
        threads: int = 1,
        extra_args: tuple[str, ...] = (),
        variables: dict[str, str] | None = None,
    ) -> None:
        self.environment = environment
        # The environment's variables, with these on top (e.g. MEDIA_STORAGE=s3, DOWNLOADS_VIA).
        self.variables = {**environment.variables, **(variables or {})}
        self.workers_wanted = workers
        self.worker_class = worker_class
        self.port = free_port()
        self.log_path = environment.root / f"gunicorn-{self.port}.log"
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--chdir",
            str(PROJECT),
            # No control socket: it would be shared with any other gunicorn on this machine.
            "--no-control-socket",
            *extra_args,
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def description(self) -> str:
        plural = "" if self.workers_wanted == 1 else "s"
        return (
            f"gunicorn {package_version('gunicorn')}, {self.workers_wanted} {self.worker_class} "
            f"worker{plural}, 127.0.0.1:{self.port}"
        )

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT,
                env=self.variables,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: a signal meant for the benchmark (Ctrl-C) or for another
                # server never reaches it; the benchmark stops it, see stop().
                process_group=0,
            )
        self.environment.servers.append(self)
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.process.returncode}.\n{self.log_tail()}"
                )
            if self._answers() and len(self.workers()) == self.workers_wanted:
                return
            time.sleep(0.05)
        raise BenchError(
            f"gunicorn did not answer within {STARTUP_TIMEOUT_SECONDS:.0f} s.\n{self.log_tail()}"
        )

    def _answers(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
        except OSError:
            return False
        finally:
            connection.close()
        return True

    @property
    def master(self) -> psutil.Process:
        if self.process is None:
            raise BenchError("The server has not been started.")
        return psutil.Process(self.process.pid)

    def workers(self) -> list[psutil.Process]:
        """The worker processes: the gunicorn master's children."""
        return self.master.children(recursive=False)

    def worker(self) -> psutil.Process:
        """The only worker, for a server started with one."""
        workers = self.workers()
        if len(workers) != 1:
            raise BenchError(f"Expected one gunicorn worker, found {len(workers)}.")
        return workers[0]

    def stop(self) -> None:
        """Stop gunicorn gracefully, and if it takes too long, kill the master and its workers."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            workers = self.workers()
        except psutil.Error:
            workers = []
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        _, alive = psutil.wait_procs(workers, timeout=STOP_TIMEOUT_SECONDS)
        for worker in alive:
            worker.kill()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no gunicorn log)"
        tail = text.splitlines()[-lines:]
        return "gunicorn log:\n" + "\n".join(f"  | {line}" for line in tail)


class Environment:
    """The portal, set up to be measured. Use as a context manager; see the module docstring."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.media_root = self.root / "media"
        self.static_root = self.root / "static"
        # A short token that makes this run's names (slugs, e-mails) unique in a kept database.
        self.token = secrets.token_hex(3)
        self.external_database = bool(os.environ.get("DATABASE_URL"))
        self.database_url = (
            os.environ.get("DATABASE_URL") or f"sqlite:///{self.root / 'db.sqlite3'}"
        )
        self.variables = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PORTAL_BASE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.media_root),
            "BENCH_STATIC_ROOT": str(self.static_root),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        self.servers: list[Server] = []
        self._django_ready = False

    def __enter__(self) -> Self:
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _prepare(self) -> None:
        self.media_root.mkdir()
        self.static_root.mkdir()
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        os.environ.update(self.variables)
        import django

        django.setup()
        self._django_ready = True

    def manage(self, *arguments: str) -> str:
        """Run a manage.py command in a subprocess with the benchmark's settings."""
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=PROJECT,
            env=self.variables,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BenchError(
                f"manage.py {' '.join(arguments)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result.stdout

    def server(
        self,
        *,
        workers: int = 1,
        worker_class: str = "sync",
        threads: int = 1,
        extra_args: tuple[str, ...] = (),
        variables: dict[str, str] | None = None,
    ) -> Server:
        """A gunicorn server for this environment; start it with `with env.server() as server:`."""
        return Server(
            self,
            workers=workers,
            worker_class=worker_class,
            threads=threads,
            extra_args=extra_args,
            variables=variables,
        )

    def sign_in(self, user) -> dict[str, str]:
        """Cookies for a fully signed-in session of this user (password and second step), made
        as Client.force_login makes one."""
        from django.conf import settings
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from agencies.sessions import mark_signed_in

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Bench", confirmed=True, tolerance=0)
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = "agencies.backends.PersonBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        mark_signed_in(session)
        session.save()
        return {settings.SESSION_COOKIE_NAME: session.session_key}

    def machine_context(self) -> list[str]:
        """What the figures were measured on."""
        memory = psutil.virtual_memory().total / 2**30
        physical = psutil.cpu_count(logical=False)
        return [
            f"machine   {os.cpu_count()} CPUs ({physical} physical), {_cpu_model()}, "
            f"{memory:.1f} GiB RAM, {platform.system()} {platform.release()} {platform.machine()}",
            f"python    {platform.python_version()} ({platform.python_implementation()})",
            f"django    {package_version('django')}, gunicorn {package_version('gunicorn')}, "
            f"zipstream-ng {package_version('zipstream-ng')}, psutil {psutil.__version__}",
            f"database  {self.database_description()}",
            f"settings  production mode (DEBUG off), {SETTINGS_MODULE}; files in {self.root}",
        ]

    def database_description(self) -> str:
        from django.db import connection

        version = ".".join(str(part) for part in connection.get_database_version())
        if connection.vendor == "sqlite":
            return f"SQLite {version}, a file in the run's temporary directory"
        settings_dict = connection.settings_dict
        where = f"{settings_dict['HOST'] or 'local socket'}:{settings_dict['PORT'] or 'default'}"
        name = settings_dict["NAME"]
        return f"{connection.display_name} {version}, database {name} at {where} (DATABASE_URL)"

    def close(self) -> None:
        """Stop every server and remove the temporary directory, whatever else fails."""
        try:
            for server in reversed(self.servers):
                server.stop()
            if self._django_ready:
                from django.db import connections

                connections.close_all()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
