"""Memory held once (core.memory, lines.repeated): a column shared between the columns of a frame,
or one value standing for a part's lines, is never a way for a write to one column to reach
another, and a frame built from them holds the values it would hold built from full columns."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure.compute import lines, trace
from disclosure.compute.lines import Lines, Text, repeated
from disclosure.core import memory
from disclosure.loader import load_inventory

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-group"
BLANK_TYPES = ("float64", "str", "Int64", "boolean", "datetime64[ns]")


@pytest.mark.parametrize("dtype", BLANK_TYPES)
def test_blank_columns_of_one_type_are_one_column_until_one_is_written(dtype: str) -> None:
    blanks = memory.Blanks(5)
    a, b = blanks.of(dtype), blanks.of(dtype)
    assert len(a) == 5 and a.isna().all() and str(a.dtype) == dtype
    assert (a is b) == memory.COPY_ON_WRITE
    frame = pd.DataFrame({"x": a, "y": b, "z": blanks.of(dtype)}, copy=False)
    value = {"float64": 2.5, "str": "鄂", "Int64": 7, "boolean": True,
             "datetime64[ns]": pd.Timestamp("2025-03-01")}[dtype]
    frame.loc[1, "y"] = value
    assert frame["y"].iloc[1] == value
    # the write reached neither the other columns nor the shared blank
    assert frame["x"].isna().all() and frame["z"].isna().all()
    assert a.isna().all() and b.isna().all()


def test_blank_columns_of_different_types_are_different_columns() -> None:
    blanks = memory.Blanks(3)
    assert blanks.of("float64") is not blanks.of("Int64")
    assert str(blanks.of("Int64").dtype) == "Int64"


def test_the_loader_gives_columns_a_table_leaves_out_one_blank_per_type() -> None:
    inv, _ = load_inventory(DEMO)
    acts = inv.tables["activities"].frame
    blank_floats = [c for c in acts.columns if acts[c].dtype == "float64" and acts[c].isna().all()]
    assert len(blank_floats) >= 2   # the demo leaves out several optional number columns
    arrays = [acts[c].to_numpy() for c in blank_floats]
    assert all(np.shares_memory(arrays[0], a) for a in arrays[1:]) == memory.COPY_ON_WRITE
    # a write through the frame copies that one column only
    acts.loc[acts.index[0], blank_floats[0]] = 1.0
    assert acts[blank_floats[0]].iloc[0] == 1.0
    assert all(acts[c].isna().all() for c in blank_floats[1:])


def test_repeated_is_one_value_and_refuses_a_write() -> None:
    r = repeated(4, 3.0)
    assert r.tolist() == [3.0] * 4 and r.dtype == np.float64 and r.strides == (0,)
    assert repeated(3, -1, np.int8).dtype == np.int8
    with pytest.raises(ValueError):
        r[0] = 1.0


def test_take_keeps_a_repeated_or_empty_number_column_repeated() -> None:
    n = 6
    part = Lines(n, {"a": np.arange(n, dtype=np.float64), "b": np.full(n, np.nan), "c": repeated(n, 2.0),
                     "d": np.array([np.nan] * 5 + [1.0]), "t": Text.constant(n, "x")})
    got = part.take(np.array([1, 3, 5]))
    assert got["a"].tolist() == [1.0, 3.0, 5.0]
    assert got["b"].strides == (0,) and np.isnan(got["b"]).all() and len(got["b"]) == 3
    assert got["c"].strides == (0,) and got["c"].tolist() == [2.0] * 3
    assert got["d"].strides != (0,) and np.isnan(got["d"][:2]).all() and got["d"][2] == 1.0
    assert [got["t"].at(i) for i in range(3)] == ["x"] * 3


def _part(n: int, values: dict[str, np.ndarray]) -> Lines:
    """Lines with every trace column: the given numbers, the rest empty."""
    cols: dict = {}
    for c in trace.COLUMNS:
        if c in values:
            cols[c] = values[c]
        elif c in lines.IDS:
            cols[c] = pa.array([f"{c}{i}" for i in range(n)], type=pa.large_string())
        elif c in lines.FLAGS:
            cols[c] = np.full(n, -1, dtype=np.int8)
        elif c in trace.NUMBERS:
            cols[c] = np.full(n, np.nan)
        else:
            cols[c] = Text.missing(n)
    return Lines(n, cols)


@settings(max_examples=40, deadline=None)
@given(n1=st.integers(1, 6), n2=st.integers(1, 6), value=st.sampled_from([0.0, 3.0, np.nan]),
       main=st.lists(st.one_of(st.just(np.nan), st.floats(-1e6, 1e6)), min_size=6, max_size=6),
       shuffle=st.randoms(use_true_random=False))
def test_a_frame_of_repeated_columns_equals_the_frame_of_full_ones(n1, n2, value, main, shuffle) -> None:
    """``frame`` over a derived part whose numbers are ``repeated`` holds, column for column, what it
    holds over the same part with full columns, in row order or in a shuffled order."""
    col = "co2e_market"
    order = list(range(n1 + n2))
    shuffle.shuffle(order)
    order_arr = np.array(order, dtype=np.int64)

    def build(rep: bool) -> pd.DataFrame:
        first = _part(n1, {col: np.array(main[:n1])})
        second = _part(n2, {col: repeated(n2, value) if rep else np.full(n2, value)})
        return lines.frame([first, second], order_arr)

    full, lean = build(False), build(True)
    pd.testing.assert_frame_equal(lean, full)
    expected = np.array([*main[:n1], *([value] * n2)])[order_arr]
    np.testing.assert_array_equal(lean[col].to_numpy(), expected)
    lean.loc[0, col] = 42.0    # a column of the frame is its own
    assert lean[col].iloc[0] == 42.0
    np.testing.assert_array_equal(lean[col].to_numpy()[1:], expected[1:])


def test_a_frame_of_one_repeated_part_is_writable() -> None:
    part = _part(3, {"co2e_market": repeated(3, 1.5)})
    f = lines.frame([part])
    assert f["co2e_market"].tolist() == [1.5] * 3
    f.loc[0, "co2e_market"] = 2.0
    assert f["co2e_market"].tolist() == [2.0, 1.5, 1.5]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_freed_memory_runs_after_arrow_freed_memory() -> None:
    """Whether the system took the pages back is not observable here; that the call runs on a pool
    that allocated and freed (and leaves its accounting right) is."""
    pool = pa.default_memory_pool()
    held = pc.multiply(pa.array(np.arange(4_000_000, dtype=np.int64)), 2)   # 32 MB from Arrow's pool
    assert pool.bytes_allocated() >= held.nbytes
    del held
    memory.release_freed_memory()   # runs (malloc_trim, the pool's release) and raises nothing
    assert pool.bytes_allocated() < 32_000_000
