"""The acknowledgement benchmark runs end to end at a small size: a bare Bolt app and the real bot, idle
and while it delivers a slot, answer every signed burst (the real runs are documented in the README)."""

from __future__ import annotations

from tests.bench_scripts import load


def test_every_burst_is_acknowledged_while_the_slot_is_delivered(tmp_path, capsys):
    bench = load("ack_benchmark")

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    arguments = ["--database-url", url, "--reps", "600", "--speedup", "5", "--latency", "0.01"]
    result = bench.main([*arguments, "--bursts", "2", "--size", "10", "--spacing", "0.2", "--quick-entry"])

    for phase in ("idle", "busy"):
        for server in ("bare", "ours"):
            figures = result[phase][server]
            assert figures["statuses"] == {200: 20}, (phase, server, result["logs"])
            assert 0 < figures["p50"] <= figures["p95"] <= figures["max"]
    assert result["dms_before"] > 0 and result["dm_after"], "DMs were arriving before and after the bursts"
    assert result["dms_during"] > 0
    assert result["deals"] == 2 * (1 + 2) * 10  # each phase: a warm-up burst and two measured ones
    assert result["ratio_idle"] > 0 and result["ratio_busy"] > 0 and isinstance(result["goal_met"], bool)
    printed = capsys.readouterr().out
    assert "p95 ours ÷ bare" in printed and "still arriving after the last: yes" in printed
    assert result["noise"] > 0 and "this run's noise" in printed
    assert result["paired_idle"] > 0 and result["paired_busy"] > 0 and "round by round" in printed
