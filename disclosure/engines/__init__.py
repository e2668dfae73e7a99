"""The engines: each runs the one calculation (``disclosure.compute``) over the one set of row checks,
in process, a chunk at a time, or on a Dask cluster."""
