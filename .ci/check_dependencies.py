"""Fails when code imports against the portal's layers.

The layers, from the bottom: the shared library `lib` (no models, imports no app), the `audit`
app, the `outbox` app (outgoing e-mail), `agencies`, then `campaigns`. Each may import only what
is below it. `portal` is the wiring: Django reaches it through settings, and no layer imports it.
Tests, benchmarks and manage.py are not layers and may import anything.

Usage: python .ci/check_dependencies.py [ROOT]   (exit status 1 and one line per offence)
"""

import ast
import sys
from pathlib import Path

LAYERS = ["lib", "audit", "outbox", "agencies", "campaigns"]
WIRING = "portal"
# What each layer may import from the project: only the layers below it.
ALLOWED = {layer: set(LAYERS[:index]) for index, layer in enumerate(LAYERS)}
PROJECT = set(LAYERS) | {WIRING}


def imported_packages(tree: ast.AST) -> list[tuple[int, str]]:
    """The project's top-level packages that a module imports, with the line of each import."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.extend((node.lineno, name.split(".")[0]) for name in names)
    return [(line, package) for line, package in found if package in PROJECT]


def offences(root: Path) -> list[str]:
    found = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            # Migrations name other apps' models as strings; what they import is Django's.
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, package in imported_packages(tree):
                if package == layer or package in ALLOWED[layer]:
                    continue
                why = (
                    "the wiring is reached only through settings"
                    if package == WIRING
                    else f"{layer} sits below {package}"
                )
                found.append(f"{path.relative_to(root)}:{line}: imports {package} ({why})")
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
    found = offences(root)
    for offence in found:
        print(offence)
    if found:
        layers = " < ".join(LAYERS)
        print(f"{len(found)} import(s) against the layers: {layers}; {WIRING} is wiring.")
        return 1
    print(f"Dependencies run one way: {' < '.join(LAYERS)}; nothing imports {WIRING}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
