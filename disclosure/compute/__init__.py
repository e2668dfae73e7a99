"""The calculation: activity rows → trace lines (inputs, factor, gas masses, CO2e) → results.

``calculation`` holds the steps every engine runs (context, market-based allocation, trace lines,
results). The per-line calculation (``lines.calculate_lines``) is a pure function of a chunk of
activity rows and a small :class:`~disclosure.compute.context.Context` of lookup tables, and every
aggregate in ``aggregate`` is a sum over trace lines, so the same code runs on the whole inventory,
chunk by chunk, or per partition of a Dask DataFrame (``disclosure.engines``). ``trace`` is the
trace file format, ``results`` results.json's one definition, ``years`` the year-over-year figures.
"""
