"""The import benchmark runs the real command end to end at a tiny size: a fresh import, a second run that
changes nothing, the bare INSERT floor and the memory figures (the real runs are documented in the README)."""

from __future__ import annotations

from tests.bench_scripts import load


def test_the_benchmark_imports_a_hubspot_shaped_file_twice_and_reports_both_sizes(tmp_path, capsys):
    bench = load("import_benchmark")

    results = bench.main(
        ["--database-url", f"sqlite:///{tmp_path / 'bench.db'}", "--sizes", "120,240", "--repeat", "1"]
    )

    printed = capsys.readouterr().out
    assert "120 -> 240 rows (2× the rows)" in printed and "again" in printed
    assert set(results) == {120, 240}
    assert all(
        result["summary"].startswith(f"Created {size}, updated 0, 0 unchanged") for size, result in results.items()
    )
