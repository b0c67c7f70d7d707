"""The lock files `make` installs from agree with the requirements people edit: a requirement
added without `make lock` fails here, before anyone's install silently goes without it."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")


def requirements(name: str) -> list[Requirement]:
    found = []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            found += requirements(line[3:].strip())
        else:
            found.append(Requirement(line))
    return found


def pins(name: str) -> dict[str, str]:
    """Each package the lock file pins, and its version; every pin carries its hashes."""
    text = (ROOT / name).read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    pinned = {}
    for entry in entries:
        match = PIN.match(entry)
        if match is None:
            continue
        assert "--hash=sha256:" in entry, f"{match['name']} has no hash in {name}"
        pinned[canonicalize_name(match["name"])] = match["version"]
    return pinned


@pytest.mark.parametrize(
    "edited,lock",
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_every_requirement_is_locked_at_a_version_it_allows(edited, lock):
    pinned = pins(lock)
    for requirement in requirements(edited):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is not in {lock}: run make lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement}: run make lock"
        )


def test_development_installs_the_same_versions_as_production():
    runtime, development = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: development.get(name) for name in runtime} == runtime
