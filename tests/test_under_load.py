"""`bench/under_load.py` runs a command on a busy machine and hands back the command's own verdict."""

from __future__ import annotations

import sys

from tests.bench_scripts import load

under_load = load("under_load")


def test_the_command_runs_while_every_hog_spins_and_no_hog_outlives_it():
    with under_load.busy(2) as hogs:
        assert [hog.poll() for hog in hogs] == [None, None], "both spinning while the command runs"
    assert all(hog.poll() is not None for hog in hogs)


def test_the_commands_exit_status_is_the_scripts():
    assert under_load.main(["--hogs", "1", "--", sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert under_load.main(["--hogs", "0", "--repeat", "2", "--", sys.executable, "-c", "pass"]) == 0
