"""The production server's access log never holds an invitation or password-reset token."""

from types import SimpleNamespace

from gunicorn.config import Config

from portal.gunicorn import RedactingLogger


def test_tokens_are_masked_in_the_access_log():
    logger = RedactingLogger(Config())
    request = SimpleNamespace(
        method="GET", path="/invitations/s3cret-token/", query="", version=(1, 1), headers=[]
    )
    response = SimpleNamespace(status="302 Found", sent=0, headers=[], response_length=0)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/invitations/s3cret-token/",
        "PATH_INFO": "/invitations/s3cret-token/",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
    }
    from datetime import timedelta

    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.1))
    assert "s3cret" not in atoms["r"]
    assert "s3cret" not in atoms["U"]
    assert atoms["U"] == "/invitations/[redacted]/"
