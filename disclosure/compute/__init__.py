"""The calculation: activity rows → trace lines (inputs, factor, gas masses, CO2e) → results.

The per-line calculation (``lines.calculate``) is a pure function of a chunk of activity rows and a
small :class:`~disclosure.compute.context.Context` of lookup tables, and every aggregate in
``aggregate`` is a sum over trace lines. The same code can therefore run on the whole inventory,
chunk by chunk, or per partition of a Dask DataFrame.
"""

from __future__ import annotations

from .calculation import Computation, compute

__all__ = ["Computation", "compute"]
