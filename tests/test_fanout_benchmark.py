"""The fan-out benchmark runs end to end at a small size: real bot processes, one and then two, deliver
every DM exactly once through the rate-limited Slack (the real runs are documented in the README)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "fanout_benchmark.py"


def test_one_and_two_instances_deliver_every_dm_once(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("fanout_benchmark", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    one, two = bench.main(["--database-url", url, "--reps", "150", "--speedup", "20", "--latency", "0.01"])

    for result in (one, two):
        assert result["reached"] == 150 and result["duplicates"] == 0
        assert result["calls"]["users.list"] == 1 and "users.info" not in result["calls"]
    printed = capsys.readouterr().out
    assert "bound from limits" in printed and "Two instances ÷ one" in printed
