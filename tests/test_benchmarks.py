"""The benchmarks' verdicts (benchmarks/_harness.py): runs interleaved round by round, ratios paired
within a round, a target called met only when every round meets it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_harness", Path(__file__).parents[1] / "benchmarks" / "_harness.py")
assert _spec is not None and _spec.loader is not None
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)


def test_each_round_runs_every_kind_once_the_order_turned() -> None:
    order: list[str] = []

    def one(kind: str) -> dict:
        order.append(kind)
        return {"kind": kind, "at": len(order)}

    runs = harness.rounds(["a", "b", "c"], 4, one)
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    assert [r["at"] for r in runs["a"]] == [1, 6, 8, 10]   # round by round
    assert set(runs) == {"a", "b", "c"} and all(len(v) == 4 for v in runs.values())


def test_ratios_pair_the_runs_of_one_round() -> None:
    tool = [{"process_seconds": 6.0}, {"process_seconds": 8.0}, {"process_seconds": 5.0}]
    base = [{"process_seconds": 1.0}, {"process_seconds": 2.0}, {"process_seconds": 1.25}]
    assert harness.paired_ratios(tool, base) == [6.0, 4.0, 4.0]


def test_a_target_met_in_some_rounds_only_is_missed() -> None:
    assert harness.verdict([4.0, 4.9, 5.0], 5.0) == "ok"
    assert harness.verdict([4.0, 5.1, 4.2], 5.0) == "MISSED in 1 of 3 rounds"
    line = harness.ratio_line("DuckDB", 8, [4.84, 5.83, 6.14], 5.0)
    assert line == "  DuckDB    5.83x  (rounds 4.84-6.14; target <= 5x: MISSED in 2 of 3 rounds)"
    assert harness.ratio_line("polars", 8, [7.3, 7.0]) == "  polars    7.15x  (rounds 7.00-7.30)"
