"""gunicorn's access log without the secrets some links carry (invitations, password resets)."""

from gunicorn.glogging import Logger

from lib.security_log import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms
