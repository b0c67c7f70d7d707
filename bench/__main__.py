"""Run the portal's benchmarks and print what they measure: `python -m bench [name ...]`.

Benchmarks print figures, not pass or fail: goals are printed beside the figures as targets. Each
benchmark is a module of this package with a function `run(env: Environment) -> list[str]` that
measures something in the isolated portal `env` (see environment.py) and returns the lines to
print. They run in the order of BENCHMARKS, all of them or only those named on the command line.
To add one, write its module and add its name to BENCHMARKS.

The exit status is non-zero only if a benchmark (or setting up the environment) crashes.
"""

import argparse
import importlib
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from types import FrameType

from bench.environment import Environment

# Every benchmark, in the order they run.
BENCHMARKS = [
    "floor",
    "exports",
    "downloads",
    "handoff",
    "pages",
    "load",
    "faults",
    "scale",
    "growth",
]

RULE = "=" * 100


@dataclass
class Outcome:
    name: str
    seconds: float
    error: str | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure the portal (an isolated copy served by gunicorn) and print figures.",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="name",
        help=f"benchmarks to run, of: {', '.join(BENCHMARKS)} (default: all)",
    )
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.names) - set(BENCHMARKS))
    if unknown:
        parser.error(
            f"no benchmark called {', '.join(unknown)}; there are: {', '.join(BENCHMARKS)}"
        )
    names = [name for name in BENCHMARKS if not arguments.names or name in arguments.names]

    # A terminated run still stops its servers and removes its files.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    try:
        with Environment() as env:
            _print("Portal benchmarks", env.machine_context())
            for name in names:
                outcomes.append(_run_one(name, env))
    except Exception as error:  # setting up (or tearing down) the environment failed
        traceback.print_exc()
        _print("Summary", [f"the benchmark environment failed: {error}".splitlines()[0]])
        return 1

    summary = [
        f"{outcome.name:<20} {outcome.seconds:7.1f} s  "
        + ("ok" if outcome.error is None else f"CRASHED: {outcome.error}")
        for outcome in outcomes
    ]
    summary.append(f"{'total':<20} {time.perf_counter() - started:7.1f} s")
    _print("Summary", summary)
    return 1 if any(outcome.error is not None for outcome in outcomes) else 0


def _run_one(name: str, env: Environment) -> Outcome:
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.{name}")
        title = (module.__doc__ or name).strip().splitlines()[0]
        print(f"\n{RULE}\n{name}: {title}\n{RULE}", flush=True)
        lines = module.run(env)
    except Exception as error:
        traceback.print_exc()
        sys.stderr.flush()
        message = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        return Outcome(name, time.perf_counter() - started, message)
    for line in lines:
        print(line)
    sys.stdout.flush()
    return Outcome(name, time.perf_counter() - started)


def _print(heading: str, lines: list[str]) -> None:
    print(f"\n{RULE}\n{heading}\n{RULE}")
    for line in lines:
        print(line)
    sys.stdout.flush()


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    # Once: a second signal must not interrupt the clean-up the first one started.
    signal.signal(signum, signal.SIG_IGN)
    sys.exit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
