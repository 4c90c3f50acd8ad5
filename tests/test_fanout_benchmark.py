"""The fan-out benchmark runs end to end at a small size: real bot processes, one and then two, deliver
every DM exactly once through the rate-limited Slack (the real runs are documented in the README)."""

from __future__ import annotations

from tests.bench_scripts import load


def test_one_and_two_instances_deliver_every_dm_once(tmp_path, capsys):
    bench = load("fanout_benchmark")

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    one, two = bench.main(["--database-url", url, "--reps", "150", "--speedup", "20", "--latency", "0.01"])

    for result in (one, two):
        assert result["reached"] == 150 and result["duplicates"] == 0
        assert result["calls"]["users.list"] == 1 and "users.info" not in result["calls"]
    printed = capsys.readouterr().out
    assert "bound from limits" in printed and "Two instances ÷ one" in printed and "set the pace" in printed
    assert all(peak > 20 for result in (one, two) for peak in result["peaks"])
