"""The benchmark script runs end to end at a tiny size (the real run is documented in the README)."""

from __future__ import annotations

from tests.bench_scripts import load


def test_the_benchmark_seeds_checks_and_times_both_queries(tmp_path, capsys):
    bench = load("health_benchmark")

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    results = bench.main(
        ["--database-url", url, "--reps", "30", "--activities", "3000", "--opportunities", "600", "--repeat", "2"]
    )

    printed = capsys.readouterr().out
    assert "Same numbers" in printed and "ratio" in printed
    assert results["health_ours"] > 0 and results["reps_hand"] > 0
