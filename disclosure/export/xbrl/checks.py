"""The project's own consistency checks: what the IFRS taxonomy does not check (it has no
calculation arcs for totals, and its tables admit combinations the standard does not).

- Scope 1 and Scope 2 = consolidated accounting group + other investees;
- Scope 3 = the sum of its categories;
- totals equal their parts (Scope 1 + 2, Scope 1 + 2 + 3; each scope = its gases, sources or types
  of energy, entities, facilities and provinces);
- no Scope 3 category axis on a Scope 1 or Scope 2 fact (nor the group / other-investee axis on
  Scope 3).

Figures are compared as rounded values: a total is consistent with its parts when they differ by
no more than the rounding of the figures involved (half a unit of the last digit of each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from ...core.issues import Issue, issue
from .facts import Fact, FactSet

S1 = "ifrs-sds:AbsoluteGrossScope1GHGEmissions"
S2L = "ifrs-sds:AbsoluteGrossLocationbasedScope2GHGEmissions"
S2M = "ifrs-sds:AbsoluteGrossMarketbasedScope2GHGEmissions"
S3 = "ifrs-sds:AbsoluteGrossScope3GHGEmissions"
S12L = "ifrs-sds:AbsoluteGrossScope1And2GHGEmissions"
S12M = "csdsx:AbsoluteGrossScope1AndMarketbasedScope2GHGEmissions"
S123L = "ifrs-sds:AbsoluteGrossScope12And3GHGEmissions"
S123M = "csdsx:AbsoluteGrossScope1MarketbasedScope2AndScope3GHGEmissions"

BASIS = "ifrs-sds:GHGEmissionsDisclosureBasisAxis"
CATEGORY = "ifrs-sds:Scope3EmissionsCategoriesAxis"
# breakdowns whose members add up to the undimensioned total: axis → concepts it splits
ADDITIVE_AXES = {
    BASIS: (S1, S2L, S2M),
    CATEGORY: (S3,),
    "ifrs-sds:ConstituentGreenhouseGasAxis": (S1, S2L, S3),
    "csdsx:Scope1EmissionSourceAxis": (S1,),
    "csdsx:PurchasedEnergyTypeAxis": (S2L, S2M),
    "csdsx:EntityAxis": (S1, S2L, S2M, S3),
    "csdsx:FacilityAxis": (S1, S2L, S2M, S3),
    "csdsx:ProvinceAxis": (S1, S2L, S2M, S3),
}
SUMS = {S12L: (S1, S2L), S12M: (S1, S2M), S123L: (S1, S2L, S3), S123M: (S1, S2M, S3)}
NOT_ALLOWED = {CATEGORY: (S1, S2L, S2M, S12L, S12M), BASIS: (S3, S123L, S123M)}


def _half_unit(decimals: int | None) -> Decimal:
    return Decimal("0.5").scaleb(-(decimals or 0))


def _consistent(total: Fact, parts: list[Fact]) -> tuple[bool, Decimal]:
    found = sum((p.value for p in parts), Decimal(0))
    tolerance = _half_unit(total.decimals) + sum((_half_unit(p.decimals) for p in parts), Decimal(0))
    return abs(total.value - found) <= tolerance, found


def check(fs: FactSet | Iterable[Fact], context_of: dict[int, str] | None = None) -> list[Issue]:
    facts = list(fs.facts if isinstance(fs, FactSet) else fs)
    out: list[Issue] = []
    plain = {f.concept: f for f in facts if f.numeric and not f.dims and f.period == "duration"}

    def ctx(f: Fact) -> str:
        return ", ".join(f"{a}={m}" for a, m in f.dims) or "-"

    # dimensions the standard does not allow on a concept
    for f in facts:
        for axis, _member in f.dims:
            if f.concept in NOT_ALLOWED.get(axis, ()):
                out.append(issue("xbrl-dimension-not-allowed", concept=f.concept, axis=axis, context=ctx(f)))

    # each additive breakdown adds up to its total
    groups: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f.numeric and len(f.dims) == 1 and f.dims[0][0] in ADDITIVE_AXES and f.concept in ADDITIVE_AXES[f.dims[0][0]]:
            groups[(f.dims[0][0], f.concept)].append(f)
    for (axis, concept), parts in sorted(groups.items()):
        total = plain.get(concept)
        if total is None:
            continue
        ok, found = _consistent(total, parts)
        if not ok:
            out.append(issue("xbrl-inconsistent", check=f"{concept} = Σ {axis}", concept=concept,
                             found=str(total.value), expected=str(found), context="-"))

    # totals equal their parts
    for concept, members in SUMS.items():
        total = plain.get(concept)
        parts = [plain[m] for m in members if m in plain]
        if total is None or len(parts) != len(members):
            continue
        ok, found = _consistent(total, parts)
        if not ok:
            out.append(issue("xbrl-inconsistent", check=f"{concept} = {' + '.join(members)}", concept=concept,
                             found=str(total.value), expected=str(found), context="-"))
    return out
