"""disclosure: a facility-level GHG inventory in, a CSDS No. 1 / IFRS S2 climate disclosure out.

The public API is re-exported here from :mod:`disclosure.api`.
"""

from .api import (
    Computation,
    FactorLibrary,
    Inventory,
    Issue,
    Location,
    ReportRun,
    ReportUsageError,
    Severity,
    compute,
    inventory_from_frames,
    load_inventory,
    load_library,
    read_results,
    read_trace,
    render_json,
    render_text,
    report,
    results_json,
    write_outputs,
)
from .core.version import __version__

__all__ = [
    "Computation", "FactorLibrary", "Inventory", "Issue", "Location", "ReportRun", "ReportUsageError", "Severity",
    "__version__",
    "compute", "inventory_from_frames", "load_inventory", "load_library", "read_results", "read_trace",
    "render_json", "render_text", "report", "results_json", "write_outputs",
]
