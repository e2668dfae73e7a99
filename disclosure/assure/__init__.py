"""Assurance over a report pack, above the pipeline: re-performance (``verify``) and run-to-run
explanations (``diff``). The pack's manifest is written by ``export.manifest``, the year-over-year
figures by ``compute.years``."""
