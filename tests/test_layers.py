"""The layers' dependency check (`make check`): it passes on the portal as it is and fails on each
kind of import against the layers."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / ".ci" / "check_dependencies.py"


def run_check(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own script, run with our own interpreter)
        [sys.executable, str(CHECK), str(root)], capture_output=True, text=True, check=False
    )


def test_the_portal_as_it_is_passes():
    result = run_check(ROOT)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "offence"),
    [
        ("lib/paging.py", "from campaigns.models import Material", "imports campaigns"),
        ("lib/emails.py", "import audit.models", "imports audit"),
        ("audit/services.py", "from agencies.models import User", "imports agencies"),
        ("agencies/access.py", "from campaigns.access import acting_organisation", "campaigns"),
        ("campaigns/access.py", "from portal.settings import DEBUG", "imports portal"),
        ("agencies/models.py", "from portal import views", "imports portal"),
    ],
)
def test_an_import_against_the_layers_fails(tmp_path, module, line, offence):
    for package in ["lib", "audit", "outbox", "agencies", "campaigns"]:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    with open(tmp_path / module, "a", encoding="utf-8") as source:
        source.write(f"\n{line}\n")
    result = run_check(tmp_path)
    assert result.returncode == 1
    assert f"{module}:" in result.stdout
    assert offence in result.stdout
