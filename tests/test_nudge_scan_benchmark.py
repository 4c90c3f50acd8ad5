"""The nudge-scan benchmark runs the real nudge job end to end at a tiny size, scanning every rep without
one call to Slack (the real runs are documented in the README)."""

from __future__ import annotations

from tests.bench_scripts import load


def test_a_steady_tick_scans_every_rep_over_both_histories_and_calls_no_one(tmp_path, capsys):
    bench = load("nudge_scan_benchmark")

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    results = bench.main(
        ["--database-url", url, "--reps", "40", "--per-year", "10", "--years", "2", "--repeat", "1"]
        + ["--memory-reps", "20,60"]
    )

    printed = capsys.readouterr().out
    assert "40 reps scanned" in printed and "2 years ÷ 1 year" in printed and "peak heap, 60 reps" in printed
    assert set(results["seconds"]) == {1, 2} and set(results["peak_mb"]) == {20, 60}
    assert results["slack_calls"] == 0
