"""The project's own consistency checks: the rules of the extension's calculation linkbase, formula
assertions and tables (``concepts.yaml``: ``calculations``, ``assertions``, the tables), applied to
the fact records without Arelle, so that a report written without the IFRS package is checked too.

- each total of ``calculations`` equals the sum of its parts (Scope 1 + 2, Scope 1 + 2 + 3, …);
- each breakdown of ``assertions.breakdowns`` adds up to its total (Scope 1 and 2 = consolidated
  accounting group + other investees; Scope 3 = its categories; each scope = its gases, sources or
  types of energy, entities, facilities and provinces);
- no emission figure is negative;
- a fact takes only the axes some table gives its concept (Scope 3 and biogenic CO2 never on the
  consolidated-group axis, no Scope 3 category on Scope 1 or 2).

Figures are compared as rounded values: a total is consistent with its parts when they differ by
no more than the rounding of the figures involved (half a unit of the last digit of each), as
calculation 1.1 (round to nearest) and the formula assertions allow.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from ...core.issues import Issue, issue
from .facts import Fact, FactSet
from .taxonomy import spec


def _half_unit(decimals: int | None) -> Decimal:
    return Decimal("0.5").scaleb(-(decimals or 0))


def _consistent(total: Fact, parts: list[Fact]) -> tuple[bool, Decimal]:
    found = sum((p.value for p in parts), Decimal(0))
    tolerance = _half_unit(total.decimals) + sum((_half_unit(p.decimals) for p in parts), Decimal(0))
    return abs(total.value - found) <= tolerance, found


def allowed_axes() -> dict[str, list[frozenset[str]]]:
    """Per concept, the sets of axes its tables admit (a concept in no table takes any)."""
    out: dict[str, list[frozenset[str]]] = defaultdict(list)
    for t in spec().tables():
        axes = frozenset(a["axis"] for a in t.axes)
        for item in t.items:
            out[item].append(axes)
    return out


def check(fs: FactSet | Iterable[Fact], context_of: dict[int, str] | None = None) -> list[Issue]:
    s = spec()
    facts = list(fs.facts if isinstance(fs, FactSet) else fs)
    out: list[Issue] = []
    plain = {f.concept: f for f in facts if f.numeric and not f.dims and f.period == "duration"}

    def ctx(f: Fact) -> str:
        return ", ".join(f"{a}={m}" for a, m in f.dims) or "-"

    # dimensions no table admits on the concept (XDT, closed tables)
    admitted = allowed_axes()
    for f in facts:
        if not f.dims or f.concept not in admitted:
            continue
        axes = {a for a, _ in f.dims}
        if not any(axes <= allowed for allowed in admitted[f.concept]):
            bad = sorted(axes - set().union(*admitted[f.concept]) or axes)
            out.append(issue("xbrl-dimension-not-allowed", concept=f.concept, axis=bad[0], context=ctx(f)))

    # emissions are never negative
    for f in facts:
        if f.concept in s.non_negative and f.numeric and f.value < 0:
            out.append(issue("xbrl-inconsistent", check=f"{f.concept} ≥ 0", concept=f.concept, found=str(f.value),
                             expected="≥ 0", context=ctx(f)))

    # each breakdown adds up to its total
    breakdowns = {(b["axis"], c) for b in s.breakdowns for c in b["concepts"]}
    groups: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    for f in facts:
        if f.numeric and len(f.dims) == 1 and (f.dims[0][0], f.concept) in breakdowns and f.period == "duration":
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
    for concept, members in s.calculations:
        total = plain.get(concept)
        parts = [plain[m] for m in members if m in plain]
        if total is None or len(parts) != len(members):
            continue
        ok, found = _consistent(total, parts)
        if not ok:
            out.append(issue("xbrl-inconsistent", check=f"{concept} = {' + '.join(members)}", concept=concept,
                             found=str(total.value), expected=str(found), context="-"))
    return out
