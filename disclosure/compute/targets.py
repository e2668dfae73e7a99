"""Performance against the climate-related targets of disclosures.yaml (IFRS S2 33-36).

For each target, the current value of the metric it is set on comes from the results: a total
as published (``published.totals``, the figure the reports print), an intensity of
``intensity``, or, for a metric ``other``, the ``current_value`` the target itself states. From it
and the target's base and target values:

- ``target_reduction``: the reduction the target sets, as a share of the base value
  (1 − target / base; IFRS S2 33, the target value as a percentage);
- ``achieved_reduction``: the reduction achieved so far (1 − current / base; negative when the
  metric rose);
- ``progress``: the share of the planned reduction achieved ((base − current) / (base − target)),
  the figure IFRS S2 35 asks performance against the target to be stated in;
- ``gross_target_value``: for a net target with planned carbon credits, the associated gross target
  IFRS S2 36(c) requires: the net target value plus the credits planned (the emissions left before
  the credits are counted).

Nothing is estimated: a figure that cannot be computed (no base value, a base equal to the target)
is None.
"""

from __future__ import annotations

from typing import Any

# a target's metric (vocabulary ``target_metric``) that is an intensity → where results.json holds it
INTENSITY_FIGURES = {
    "intensity_output_scope1_2_location": ("per_output", "scope1_2_location"),
    "intensity_output_scope1_2_market": ("per_output", "scope1_2_market"),
    "intensity_revenue_scope1_2_location": ("per_revenue", "scope1_2_location"),
    "intensity_revenue_scope1_2_market": ("per_revenue", "scope1_2_market"),
}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def current_value(target: dict[str, Any], published: dict[str, Any], intensity: dict[str, Any]) -> float | None:
    """The metric's figure this period: a published total, an intensity, or the target's own
    ``current_value`` (metric ``other``)."""
    metric = target.get("metric")
    if metric in INTENSITY_FIGURES:
        group, key = INTENSITY_FIGURES[metric]
        return _num(((intensity or {}).get(group) or {}).get(key))
    if metric and metric != "other":
        return _num((published or {}).get(metric))
    return _num(target.get("current_value"))


def progress(disclosures: dict[str, Any], published: dict[str, Any], intensity: dict[str, Any]
             ) -> list[dict[str, Any]]:
    """One record per target of disclosures.yaml that has an id, in the input's order."""
    out = []
    for t in (disclosures or {}).get("targets") or []:
        if not isinstance(t, dict) or not t.get("id"):
            continue
        cur = current_value(t, published, intensity)
        base, goal = _num(t.get("base_value")), _num(t.get("target_value"))
        credits = _num(t.get("carbon_credits"))
        out.append({
            "id": str(t["id"]),
            "metric": t.get("metric"),
            "current_value": cur,
            "target_reduction": None if base is None or goal is None or not base else 1.0 - goal / base,
            "achieved_reduction": None if base is None or cur is None or not base else 1.0 - cur / base,
            "progress": (None if base is None or goal is None or cur is None or base == goal
                         else (base - cur) / (base - goal)),
            "gross_target_value": (goal + credits if t.get("basis") == "net" and goal is not None
                                   and credits else None),
        })
    return out
