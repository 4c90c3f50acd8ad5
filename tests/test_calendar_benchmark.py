"""The calendar benchmark runs end to end at a small size: every feed read and reconciled into exactly the
meetings one parse of it finds, then a second pass costs one 304 per feed and rewrites nothing."""

from __future__ import annotations

from tests.bench_scripts import load


def test_feeds_are_read_once_then_answered_304(tmp_path, capsys):
    bench = load("calendar_benchmark")

    result = bench.main(["--database-url", f"sqlite:///{tmp_path / 'bench.db'}", "--reps", "12", "--events", "300"])

    first, unchanged = result["first"], result["unchanged"]
    assert first["outcomes"] == {"read": 12} and first["rows"] == result["expected_rows"] > 12
    assert unchanged["outcomes"] == {"unchanged": 12} and unchanged["not_modified"] == unchanged["requests"] == 12
    assert unchanged["rows"] == first["rows"] and unchanged["bytes"] == 0
    assert "the server's own time to serve the bytes" in capsys.readouterr().out
