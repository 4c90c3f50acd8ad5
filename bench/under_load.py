"""Run a command on a machine made busy: one spinning process per core (or --hogs), started before the
command and stopped after it, so a test that holds only when it gets the CPU first shows itself.

    python bench/under_load.py -- pytest -x -q tests/test_fanout.py
    python bench/under_load.py --hogs 4 --repeat 3 -- pytest -x -q tests/test_claims.py

Exits with the command's own status (the first failing one with --repeat).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

SPIN = "while True: pass"


@contextmanager
def busy(hogs: int) -> Iterator[list[subprocess.Popen]]:
    """`hogs` processes spinning on a core each while the block runs; all stopped (by their pid) after."""
    spinning = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(hogs)]
    try:
        yield spinning
    finally:
        for hog in spinning:
            hog.kill()
        for hog in spinning:
            hog.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hogs", type=int, default=os.cpu_count() or 2, help="busy processes (default: one a core)")
    parser.add_argument("--repeat", type=int, default=1, help="run the command this many times")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or args.hogs < 0 or args.repeat < 1:
        parser.error("give the command after --, e.g. -- pytest -x -q tests/test_fanout.py")
    with busy(args.hogs):
        for run in range(1, args.repeat + 1):
            started = time.monotonic()
            code = subprocess.call(command)
            print(f"under_load: run {run}: exit {code} after {time.monotonic() - started:.1f}s with {args.hogs} busy")
            if code:
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
