"""Settings for benchmark runs: the portal's own production settings, unchanged but for one path.

The benchmark environment sets the same environment variables a deployment would (see
environment.py). The only difference is STATIC_ROOT, which points into the run's temporary
directory, so that `collectstatic` gives the run a fresh manifest without writing into the project.
"""

import os
from pathlib import Path

from portal.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
