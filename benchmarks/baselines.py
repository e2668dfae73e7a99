"""What ``disclosure`` is compared with: the same file read, and the same calculation done, by a user
who writes it by hand in pandas or in DuckDB SQL — and the data set most comparisons run on, the demo
inventory repeated to N activity rows.

The jobs each return a small number (rows read, groups summed) so that the work cannot be skipped;
each is run by the scripts in a fresh process (``_harness.run_child``), so imports are outside the
clock only where the script says so. DuckDB and polars are optional: without them the comparison
says it is missing instead of failing (``pip install duckdb polars``).

The hand-written job is what the issue on speed measured: read the activities as text, look up one
factor per activity (a small table made from the distinct activity names), turn the quantity into a
number (thousands separators removed), multiply, sum by facility and source. It is far less than
``disclosure compute`` does (no units, gases, GWP, boundary, Scope 2 methods, trace), which is why
the targets are ratios and not parity.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "fixtures" / "demo-group"
DEMO_VERSION = 1


# --- the demo repeated ---------------------------------------------------------------------------------

def demo_repeated(target: Path, rows: int) -> None:
    """``fixtures/demo-group`` copied into ``target`` with its activities repeated to ``rows`` rows
    (the k-th copy's ``record_id`` ends ``#k``, so every row stays unique; the other tables as they
    are). Every source and Scope 3 category of the demo is in it: 1,000,000 rows are about 148 MB."""
    import pandas as pd

    target.mkdir(parents=True, exist_ok=True)
    for f in DEMO.iterdir():
        if f.is_file() and f.name != "activities.csv":
            shutil.copy2(f, target / f.name)
    acts = pd.read_csv(DEMO / "activities.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    ids = acts["record_id"].tolist()
    if any(c in i for i in ids for c in ',"\r\n'):
        raise ValueError("a record_id of the demo needs quoting: the rows cannot be repeated as text")
    # each row as pandas writes it (its quoting), without its record_id; then copy k of every row is
    # written as text, its id ending #k: the file pandas would write, in seconds at 10 M rows
    rest = [acts.iloc[[i], 1:].to_csv(index=False, header=False, lineterminator="\n") for i in range(len(acts))]
    n = len(acts)
    with open(target / "activities.csv", "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(acts.columns) + "\n")
        full, part = divmod(rows, n)
        for k in range(full + (part > 0)):
            m = n if k < full else part
            fh.write("".join(f"{ids[i]}#{k},{rest[i]}" for i in range(m)))


def ensure_demo(folder: Path, rows: int) -> Path:
    """The demo repeated to ``rows`` rows in ``folder/demo_rows_<rows>``, made first when missing."""
    import _harness

    target = folder / f"demo_rows_{rows}"
    meta = _harness.read_meta(target)
    if meta.get("rows") == rows and meta.get("demo_version") == DEMO_VERSION:
        return target
    if target.exists():
        shutil.rmtree(target)
    demo_repeated(target, rows)
    _harness.write_meta(target, {"rows": rows, "demo_version": DEMO_VERSION})
    return target


# --- reading the file ---------------------------------------------------------------------------------

def pandas_read(csv: Path) -> int:
    """``pandas.read_csv`` of every column as text, as the tool must read it."""
    import pandas as pd

    return len(pd.read_csv(csv, dtype=str, keep_default_na=False))


def duckdb_read(csv: Path) -> int:
    """DuckDB's reader, every column as text, into an Arrow table (so the rows are materialised)."""
    import duckdb

    con = duckdb.connect()
    table = con.sql(f"select * from read_csv('{_sql_path(csv)}', all_varchar = true, header = true)").arrow()
    if hasattr(table, "read_all"):  # DuckDB 1.4 and later hand back a stream of record batches
        table = table.read_all()
    return table.num_rows


# --- the hand-written job -------------------------------------------------------------------------------

def pandas_job(folder: Path) -> int:
    """Read, merge one factor per activity, to_numeric, multiply, group-by sum: the number of groups."""
    import pandas as pd

    acts = pd.read_csv(folder / "activities.csv", dtype=str, keep_default_na=False)
    qty = pd.to_numeric(acts["quantity"].str.replace(",", "", regex=False), errors="coerce")
    names = sorted(acts["activity"].unique())
    factors = pd.DataFrame({"activity": names, "ef": [0.5 + i / 10 for i in range(len(names))]})
    j = acts[["facility_id", "source", "activity"]].assign(quantity=qty).merge(factors, on="activity", how="left")
    j["co2e"] = j["quantity"] * j["ef"]
    return len(j.groupby(["facility_id", "source"])["co2e"].sum())


def duckdb_job(folder: Path) -> int:
    """The same job in one DuckDB SQL statement."""
    import duckdb

    con = duckdb.connect()
    rows = con.sql(f"""
        with a as (select * from read_csv('{_sql_path(folder / "activities.csv")}', all_varchar = true, header = true)),
             f as (select activity, 0.5 + (row_number() over (order by activity) - 1) / 10 as ef
                   from (select distinct activity from a))
        select facility_id, source, sum(try_cast(replace(quantity, ',', '') as double) * ef) as co2e
        from a left join f using (activity)
        group by facility_id, source
    """).fetchall()
    return len(rows)


def polars_job(folder: Path) -> int:
    """The same job in polars, lazily (its query planner reads only the columns it needs)."""
    import polars as pl

    acts = pl.scan_csv(folder / "activities.csv", infer_schema=False)
    names = acts.select(pl.col("activity").unique().sort()).collect()["activity"]
    factors = pl.LazyFrame({"activity": names, "ef": [0.5 + i / 10 for i in range(len(names))]})
    out = (acts.with_columns(pl.col("quantity").str.replace_all(",", "").cast(pl.Float64, strict=False))
           .join(factors, on="activity", how="left")
           .group_by(["facility_id", "source"]).agg((pl.col("quantity") * pl.col("ef")).sum())
           .collect())
    return out.height


def available(module: str) -> bool:
    """Whether ``module`` can be imported (DuckDB and polars are not dependencies of the tool)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
