"""The benchmark script runs end to end at a tiny size (the real run is documented in the README)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "health_benchmark.py"


def test_the_benchmark_seeds_checks_and_times_both_queries(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("health_benchmark", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    url = f"sqlite:///{tmp_path / 'bench.db'}"
    results = bench.main(
        ["--database-url", url, "--reps", "30", "--activities", "3000", "--opportunities", "600", "--repeat", "2"]
    )

    printed = capsys.readouterr().out
    assert "Same numbers" in printed and "ratio" in printed
    assert results["health_ours"] > 0 and results["reps_hand"] > 0
