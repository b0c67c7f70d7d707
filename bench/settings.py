"""Settings for benchmark runs: the portal's own production settings, unchanged but for a path and
one extra URL.

The benchmark environment sets the same environment variables a deployment would (see
environment.py). STATIC_ROOT points into the run's temporary directory, so that `collectstatic`
gives the run a fresh manifest without writing into the project; bench.urls adds an empty view,
the floor that pages are measured against (floor.py).
"""

import os
from pathlib import Path

from portal.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
ROOT_URLCONF = "bench.urls"
