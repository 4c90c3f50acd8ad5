"""The nudge-scan benchmark runs the real nudge job end to end at a tiny size, on a working morning: every
rep scanned over both histories, the concentrated tenth nudged through the rate-limited local Slack, none
of it meeting a 429 (the real runs are documented with the contributors' benchmarks)."""

from __future__ import annotations

from tests.bench_scripts import load


def test_a_working_morning_tick_scans_every_rep_over_both_histories_and_sends_the_nudges(tmp_path, capsys):
    bench = load("nudge_scan_benchmark")

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    results = bench.main(
        ["--database-url", url, "--reps", "40", "--per-day", "2", "--years", "2", "--repeat", "1"]
        + ["--memory-reps", "20,60", "--memory-weeks", "2"]
    )

    printed = capsys.readouterr().out
    assert "40 reps scanned, 4 nudges rendered and sent" in printed
    assert "2 years ÷ 1 year: wall" in printed and "peak heap, 60 reps" in printed
    assert set(results["seconds"]) == {1, 2} and set(results["peak_mb"]) == {20, 60}
    assert results["limited"] == {1: {}, 2: {}}, "Slack answered 429"
