"""The factor library: versioned datasets of emission factors and GWPs, loaded from data files.

Every factor is data with its source, never a constant in code. A dataset is one YAML file
``<id>@<version>.yaml`` (metadata + a table of rows, see ``datasets/README.md``); the package ships
its own in ``datasets/`` and a user adds one by dropping a file into a folder passed as
``extra_dirs``. An errata is a new version, the old file stays, so a result that names
``cn-grid-2022@1`` can always be recomputed.

Loading never raises on bad data: each problem becomes an :class:`~disclosure.core.issues.Issue`
(file = the dataset's file name, row = the 1-based index in ``rows``), and a dataset with any
error is left out of the library rather than used half-checked.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from disclosure.core import yamlfile
from disclosure.core.cells import xml_forbidden
from disclosure.core.issues import Issue, Location, issue
from disclosure.core.units import ambiguity, lookup

Kind = Literal["gwp", "blends", "fuel", "combustion_non_co2", "grid", "heat", "process", "footprint", "density",
               "upstream_fuel", "energy_coefficients"]

# What a dataset is for: the disclosure's statistical inventory (the MEE/NBS factors, national
# standards, IPCC defaults), the ETS's compliance reporting (factors an ETS prescribes for its own
# reports), or product carbon footprints (life-cycle factors). The calculation takes each kind of
# factor from the purpose it needs: Scope 1 and 2 from ``disclosure`` only.
Purpose = Literal["disclosure", "ets_compliance", "product_footprint"]
PURPOSES: tuple[str, ...] = ("disclosure", "ets_compliance", "product_footprint")
# the purposes a kind may have (else disclosure or ets_compliance): life-cycle electricity factors
# are product footprints, never a combustion (Scope 2) factor, and a grid factor is never a footprint
KIND_PURPOSES: dict[str, tuple[str, ...]] = {"footprint": ("product_footprint",),
                                             "grid": ("disclosure", "ets_compliance")}

GWP_SETS = ("SAR", "AR4", "AR5", "AR6")
GWP_GROUPS = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3")
GRID_LEVELS = ("national", "region", "province")
GRID_VARIANTS = ("average", "excl_market_nonfossil", "fossil")
NATIONAL = "全国"
BLEND_TOLERANCE = 1e-9

# Cell types of a row schema.
TEXT, OPTIONAL_TEXT, NUMBER, OPTIONAL_NUMBER, FRACTION, UNIT = (
    "text", "text?", "number", "number?", "fraction", "unit")


@dataclass(frozen=True)
class Schema:
    """What a dataset of one kind holds: its columns (in order) with their cell types, the columns
    that identify a row, and the values some text columns are limited to."""

    columns: dict[str, str]
    key: tuple[str, ...]
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    optional: tuple[str, ...] = ()   # trailing columns a file may leave out (read as empty)

    def accepts(self, columns: Sequence[str]) -> bool:
        full = list(self.columns)
        return list(columns) in (full, [c for c in full if c not in self.optional])


SCHEMAS: dict[str, Schema] = {
    "gwp": Schema(
        {"gas": TEXT, "group": TEXT, **dict.fromkeys(GWP_SETS, OPTIONAL_NUMBER)},
        ("gas",), {"group": GWP_GROUPS}),
    "blends": Schema({"blend": TEXT, "component": TEXT, "mass_fraction": FRACTION},
                     ("blend", "component")),
    "fuel": Schema(
        {"fuel": TEXT, "name_zh": TEXT, "aliases": OPTIONAL_TEXT, "ncv": NUMBER, "ncv_unit": UNIT,
         "carbon_content": NUMBER, "carbon_content_unit": UNIT, "oxidation_rate": FRACTION},
        ("fuel",)),
    # use: mobile, stationary (any facility), or stationary by the facility's source category
    # (energy_industries, manufacturing: core/sectors.py); table: the table of the source it cites
    "combustion_non_co2": Schema(
        {"use": TEXT, "fuel": TEXT, "gas": TEXT, "value": NUMBER, "unit": UNIT, "table": OPTIONAL_TEXT},
        ("use", "fuel", "gas"),
        {"use": ("stationary", "mobile", "energy_industries", "manufacturing"), "gas": ("CH4", "N2O")},
        optional=("table",)),
    "grid": Schema(
        {"level": TEXT, "region": TEXT, "variant": TEXT, "value": NUMBER, "unit": UNIT},
        ("level", "region", "variant"), {"level": GRID_LEVELS, "variant": GRID_VARIANTS}),
    "heat": Schema({"activity": TEXT, "value": NUMBER, "unit": UNIT}, ("activity",),
                   {"activity": ("heat", "steam")}),
    "process": Schema(
        {"activity": TEXT, "name_zh": TEXT, "aliases": OPTIONAL_TEXT, "gas": TEXT, "value": NUMBER,
         "unit": UNIT},
        ("activity", "gas")),
    "footprint": Schema({"level": TEXT, "region": TEXT, "value": NUMBER, "unit": UNIT},
                        ("level", "region"), {"level": GRID_LEVELS}),
    # a liquid fuel's mass per volume (the fuel ids of the fuel datasets), for activities given as a volume
    "density": Schema({"fuel": TEXT, "value": NUMBER, "unit": UNIT}, ("fuel",)),
    # the well-to-tank emissions of a fuel (extraction, processing, transport up to its combustion;
    # GHG Protocol Scope 3 Technical Guidance 2013, formula 3.1: life-cycle minus combustion factor),
    # per unit of the fuel burnt (CO2e per mass, volume or energy; fuel ids of the fuel datasets):
    # Scope 3 category 3, activity a, derived from the combustion lines (compute/derive.py)
    "upstream_fuel": Schema({"fuel": TEXT, "value": NUMBER, "unit": UNIT}, ("fuel",)),
    # energy to standard coal (GB/T 2589): kgce per physical unit of a carrier (compute/energy.py);
    # min, max: the range a standard gives where the value is the entity's choice within it
    "energy_coefficients": Schema(
        {"carrier": TEXT, "name_zh": TEXT, "aliases": OPTIONAL_TEXT, "group": TEXT, "value": NUMBER, "unit": UNIT,
         "min": OPTIONAL_NUMBER, "max": OPTIONAL_NUMBER, "renewable": TEXT, "clean": TEXT},
        ("carrier",), {"group": ("coal", "oil", "gas", "electricity", "heat", "biomass", "other"),
                       "renewable": ("yes", "no"), "clean": ("yes", "no")}),
}

# Other names of single gases: the ASHRAE 34 refrigerant numbers of the PFCs and their "PFC-n"
# names (the HFCs' R-numbers are derived from their names, R-134a = HFC-134a). Names only, no values.
PFC_ALIASES = {
    "PFC14": "CF4", "R14": "CF4", "PFC116": "C2F6", "R116": "C2F6", "PFC218": "C3F8",
    "R218": "C3F8", "PFC318": "CC4F8", "RC318": "CC4F8", "PFC3110": "C4F10", "PFC4112": "C5F12",
    "PFC5114": "C6F14",
}
# Where a GWP set has no value for a gas, the value of this one is used (CH4_fossil in SAR/AR4).
GWP_FALLBACK = {"CH4_FOSSIL": "CH4"}


class DatasetMeta(BaseModel):
    """A dataset file's metadata: everything but ``rows``."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True,
                              str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    kind: Kind
    # what the dataset is for (PURPOSES); a user's dataset without it is for the disclosure
    purpose: Purpose = "disclosure"
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    document: str = Field(min_length=1)
    # the publisher and document as a reader of each language names them (the report's factor
    # table, the XBRL facts); ``publisher`` and ``document`` stay the citation as published
    publisher_zh: str | None = Field(default=None, min_length=1)
    publisher_en: str | None = Field(default=None, min_length=1)
    document_zh: str | None = Field(default=None, min_length=1)
    document_en: str | None = Field(default=None, min_length=1)
    announcement: str | None = None
    announcement_en: str | None = Field(default=None, min_length=1)   # the number as English readers cite it
    year: int = Field(ge=1900, le=2200)
    published: date | None = None
    region: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    url: str = Field(min_length=1)
    notes: str = ""
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    meta: DatasetMeta
    rows: pd.DataFrame  # the declared columns; number columns float64 (null → NaN)
    path: str
    sha256: str  # of the file's bytes

    @property
    def ref(self) -> str:
        """``id@version``, the name a result records."""
        return f"{self.meta.id}@{self.meta.version}"


def normalise_gas(name: str) -> str:
    """The form a gas or blend name is matched in: NFKC (full-width → ASCII, ₂ → 2), upper case,
    without '-' and whitespace. ``"HFC-134a"`` → ``"HFC134A"``, ``"R-410a"`` → ``"R410A"``."""
    text = unicodedata.normalize("NFKC", str(name)).upper()
    return re.sub(r"[\s\-]+", "", text)


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Order of versions: dot/dash separated parts, numeric parts compared as numbers."""
    return tuple((0, int(p)) if p.isdecimal() else (1, p) for p in re.split(r"[.\-]", version))  # "²" is a digit int() refuses


@dataclass(frozen=True)
class FactorLibrary:
    datasets: dict[tuple[str, str], Dataset] = field(default_factory=dict)

    def versions(self, id: str) -> list[str]:
        """The versions held of dataset ``id``, oldest first."""
        return sorted((v for i, v in self.datasets if i == id), key=version_key)

    def get(self, id: str, version: str | None = None) -> Dataset | None:
        """Dataset ``id`` at ``version``, or at its highest version when ``version`` is None;
        None when there is no such dataset."""
        if version is None:
            held = self.versions(id)
            if not held:
                return None
            version = held[-1]
        return self.datasets.get((id, str(version)))

    def of_kind(self, kind: str, pins: Mapping[str, str] | None = None,
                purpose: str | None = None) -> list[Dataset]:
        """One dataset per id of this kind (and of this ``purpose`` where given): the pinned version
        where ``pins`` names one, else the latest. A pin to a version that is not held raises
        KeyError (never a silent substitute)."""
        ids = sorted({i for (i, _), d in self.datasets.items() if d.meta.kind == kind})
        picked = [self._pick(i, pins) for i in ids]
        return [d for d in picked if purpose is None or d.meta.purpose == purpose]

    def gwp_table(self, gwp_set: str, *, gwp: str = "ghgp-gwp100",
                  blends: str = "refrigerant-blends",
                  pins: Mapping[str, str] | None = None) -> pd.Series:
        """GWP100 in ``gwp_set`` (SAR, AR4, AR5, AR6) by normalised name, for every single gas and
        every blend (Σ mass fraction × component GWP, computed here). Names also resolve under the
        refrigerant numbers of single HFCs (R134A) and PFCs (R14, PFC14 …). NaN where the set has
        no value (for a blend: where any component has none); CH4_fossil falls back to CH4."""
        if gwp_set not in GWP_SETS:
            raise ValueError(f"unknown GWP set {gwp_set!r}; choose one of {', '.join(GWP_SETS)}")
        gases = self._gases(gwp, pins)
        values = gases[gwp_set].astype("float64")
        for gas, fallback in GWP_FALLBACK.items():
            if gas in values.index and fallback in values.index and pd.isna(values[gas]):
                values[gas] = values[fallback]
        parts = self._blend_parts(blends, pins)
        contribution = parts["mass_fraction"] * parts["component"].map(values)
        by_blend = contribution.groupby(parts["blend"], sort=True)
        blend_values = by_blend.sum().where(~contribution.isna().groupby(parts["blend"]).any())
        aliases = {a: c for a, c in self._aliases(gases).items() if a not in values.index}
        alias_values = pd.Series({a: values[c] for a, c in aliases.items()}, dtype="float64")
        table = pd.concat([values, blend_values[~blend_values.index.isin(values.index)],
                           alias_values])
        table.index.name = "gas"
        table.name = gwp_set
        return table

    def gwp_group(self, gas: str, *, gwp: str = "ghgp-gwp100",
                  blends: str = "refrigerant-blends",
                  pins: Mapping[str, str] | None = None) -> str:
        """The gas group (CO2, CH4, N2O, HFCs, PFCs, SF6, NF3) of a gas or blend; a blend whose
        components fall in one group is in that group, one that mixes groups is ``"mixed"``
        (split it by component). KeyError for a name that is neither."""
        return self.gwp_groups([gas], gwp=gwp, blends=blends, pins=pins)[gas]

    def gwp_groups(self, names: Iterable[str], *, gwp: str = "ghgp-gwp100",
                   blends: str = "refrigerant-blends",
                   pins: Mapping[str, str] | None = None) -> dict[str, str]:
        """The gas group of each of ``names``, as :meth:`gwp_group` gives it, the two tables read
        once for all of them (the calculation's context asks for every gas of its GWP table)."""
        gases = self._gases(gwp, pins)
        aliases = self._aliases(gases)
        group = gases["group"]
        by_blend: dict[str, pd.Series] | None = None
        out: dict[str, str] = {}
        for gas in names:
            key = normalise_gas(gas)
            key = aliases.get(key, key) if key not in gases.index else key
            if key in gases.index:
                out[gas] = str(gases.at[key, "group"])
                continue
            if by_blend is None:
                parts = self._blend_parts(blends, pins)
                by_blend = {b: comps for b, comps in parts.groupby("blend", sort=False)["component"]}
            components = by_blend.get(key)
            if components is None:
                raise KeyError(f"unknown gas or blend {gas!r}")
            groups = set(components.map(group).dropna())
            out[gas] = groups.pop() if len(groups) == 1 else "mixed"
        return out

    # --- helpers ------------------------------------------------------------------------------

    def _pick(self, id: str, pins: Mapping[str, str] | None) -> Dataset:
        version = (pins or {}).get(id)
        found = self.get(id, version)
        if found is None:
            raise KeyError(f"no factor dataset {id}@{version or 'latest'}")
        return found

    def _gases(self, gwp: str, pins: Mapping[str, str] | None) -> pd.DataFrame:
        rows = self._pick(gwp, pins).rows
        return rows.set_index(rows["gas"].map(normalise_gas).rename("key"))

    def _blend_parts(self, blends: str, pins: Mapping[str, str] | None) -> pd.DataFrame:
        rows = self._pick(blends, pins).rows
        return pd.DataFrame({"blend": rows["blend"].map(normalise_gas),
                             "component": rows["component"].map(normalise_gas),
                             "mass_fraction": rows["mass_fraction"]})

    @staticmethod
    def _aliases(gases: pd.DataFrame) -> dict[str, str]:
        hfcs = [k for k in gases.index if k.startswith("HFC")]
        return {**{"R" + k[3:]: k for k in hfcs},
                **{a: c for a, c in PFC_ALIASES.items() if c in gases.index}}


# --- loading ----------------------------------------------------------------------------------


def load_library(extra_dirs: Sequence[str | Path] = ()) -> tuple[FactorLibrary, list[Issue]]:
    """Load the shipped datasets, then every ``*.yaml`` of each folder in ``extra_dirs``."""
    issues: list[Issue] = []
    loaded: list[Dataset] = []
    for name, data, path, ours in _files(extra_dirs, issues):
        dataset, found = read_dataset(name, data, path, ours=ours)
        issues += found
        if dataset is not None:
            loaded.append(dataset)

    datasets: dict[tuple[str, str], Dataset] = {}
    for d in loaded:
        key = (d.meta.id, d.meta.version)
        if key in datasets:
            issues.append(issue("factor-dataset-duplicate", Location(file=Path(d.path).name),
                                id=d.meta.id, version=d.meta.version))
        else:
            datasets[key] = d

    gas_names = {normalise_gas(g) for d in datasets.values() if d.meta.kind == "gwp"
                 for g in d.rows["gas"]}
    for key, d in list(datasets.items()):
        if d.meta.kind == "blends":
            found = _check_blend_components(d, gas_names)
            if found:
                issues += found
                del datasets[key]
    return FactorLibrary(datasets), issues


def folder_library(folder: Path) -> tuple[FactorLibrary, list[Issue]]:
    """A library of exactly the dataset files in ``folder`` (no shipped datasets): a report pack's
    ``factors/``, from which the pack is computed and re-performed."""
    datasets: dict[tuple[str, str], Dataset] = {}
    issues: list[Issue] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        ds, found = read_dataset(path.name, path.read_bytes(), str(path))
        issues += found
        if ds is not None:
            datasets[(ds.meta.id, ds.meta.version)] = ds
    return FactorLibrary(datasets), issues


def _files(extra_dirs: Sequence[str | Path],
           issues: list[Issue]) -> Iterable[tuple[str, bytes, str, bool]]:
    """Name, bytes, path of each dataset file, and whether it is one the package ships."""
    shipped = resources.files(__package__).joinpath("datasets")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            yield entry.name, entry.read_bytes(), str(entry), True
    for folder in map(Path, extra_dirs):
        if not folder.is_dir():
            issues.append(_invalid(Location(file=str(folder)), "the folder does not exist"))
            continue
        for path in sorted(folder.glob("*.yaml")):
            if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
                issues.append(_invalid(Location(file=path.name), "a link to outside its folder: not read"))
                continue
            try:
                data = path.read_bytes()
            except OSError as e:
                issues.append(_invalid(Location(file=path.name), f"the file cannot be read: {e}"))
                continue
            yield path.name, data, str(path), False


def _control_character(v: Any) -> str | None:
    """The first character XML cannot hold in any text (key or value) of a dataset document."""
    if isinstance(v, str):
        return xml_forbidden(v)
    items = list(v.items()) if isinstance(v, dict) else [(None, x) for x in v] if isinstance(v, list) else []
    for k, x in items:
        found = (xml_forbidden(k) if isinstance(k, str) else None) or _control_character(x)
        if found:
            return found
    return None


def read_dataset(name: str, data: bytes, path: str = "", *, ours: bool = False) -> tuple[Dataset | None, list[Issue]]:
    """Parse and check one dataset file; None with the issues found when it is not usable. ``ours``:
    a dataset the package ships, read by ``yamlfile.load_package``; a user's by the bounded reader."""
    where = Location(file=name)
    try:
        text = data.decode("utf-8")
        doc = yamlfile.load_package(text) if ours else yamlfile.load_data(text)
    except UnicodeDecodeError as e:
        return None, [_invalid(where, f"not a UTF-8 YAML file: {' '.join(str(e).split())}")]
    except yamlfile.YamlError as e:
        at = f" (line {e.line})" if e.line else ""
        return None, [_invalid(where, f"not a UTF-8 YAML file: {e.reason}{at}")]
    if not isinstance(doc, dict):
        return None, [_invalid(where, "the file is not a mapping of metadata fields and rows")]
    ch = _control_character(doc)
    if ch:   # its text would reach the XBRL and the Word report (the factors used), which cannot hold it
        return None, [_invalid(where, f"a text holds the control character {ch}, which XML cannot hold")]
    rows = doc.pop("rows", None)
    try:
        meta = DatasetMeta.model_validate(doc)
    except ValidationError as e:
        return None, [_invalid(where, f"{'.'.join(map(str, err['loc'])) or 'metadata'}: {err['msg']}")
                      for err in e.errors()]
    schema = SCHEMAS[meta.kind]
    issues: list[Issue] = []
    if name != f"{meta.id}@{meta.version}.yaml":
        issues.append(_invalid(where, f"the file name must be {meta.id}@{meta.version}.yaml"))
    allowed = KIND_PURPOSES.get(meta.kind, ("disclosure", "ets_compliance"))
    if meta.purpose not in allowed:
        issues.append(_invalid(where, f"purpose: a dataset of kind {meta.kind} is for {' or '.join(allowed)}, "
                                      f"not {meta.purpose}"))
    if not schema.accepts(meta.columns):
        optional = f" (the last, {', '.join(schema.optional)}, may be left out)" if schema.optional else ""
        issues.append(_invalid(where, f"columns must be [{', '.join(schema.columns)}] for kind "
                                      f"{meta.kind}{optional}, not [{', '.join(meta.columns)}]"))
        return None, issues
    if not isinstance(rows, list) or not rows:
        return None, [*issues, _invalid(where, "'rows' must be a non-empty list")]

    given = list(meta.columns)
    cells: dict[str, list[Any]] = {c: [] for c in schema.columns}
    for n, row in enumerate(rows, start=1):
        if not isinstance(row, list) or len(row) != len(given):
            issues.append(_invalid(Location(file=name, row=n),
                                   f"a row must be a list of {len(given)} values"))
            continue
        for column, value in zip(given, row, strict=True):
            problem = _check_cell(schema.columns[column], value, schema.allowed.get(column))
            if problem is not None:
                issues.append(problem.at(Location(file=name, row=n, column=column)))
            cells[column].append(value)
        for column in schema.columns:
            if column not in given:
                cells[column].append(None)
    if issues:
        return None, issues

    frame = _frame(schema, cells)
    issues += _check_rows(meta.kind, schema, frame, name)
    if issues:
        return None, issues
    return Dataset(meta, frame, path, hashlib.sha256(data).hexdigest()), []


@dataclass(frozen=True)
class _Problem:
    code: str
    params: dict[str, Any]

    def at(self, location: Location) -> Issue:
        return issue(self.code, location, **self.params)


def _check_cell(kind: str, value: Any, allowed: tuple[str, ...] | None) -> _Problem | None:
    if value is None or value == "":
        if kind in (OPTIONAL_TEXT, OPTIONAL_NUMBER):
            return None
        return _Problem("factor-dataset-invalid", {"reason": "the value is missing"})
    if kind in (NUMBER, OPTIONAL_NUMBER, FRACTION):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            hint = " (write numbers unquoted; an exponent needs a dot: 1.0e-3)" if isinstance(value, str) else ""
            return _Problem("factor-dataset-invalid", {"reason": f"{value!r} is not a number{hint}"})
        if value < 0:
            return _Problem("factor-dataset-invalid", {"reason": f"{value} is negative"})
        if kind == FRACTION and value > 1:
            return _Problem("factor-dataset-invalid", {"reason": f"fraction {value} is above 1"})
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return _Problem("factor-dataset-invalid", {"reason": f"{value!r} is not a text value"})
    if kind == UNIT and not unit_known(str(value)):
        unclear = ambiguity(str(value))
        if unclear is not None:
            return _Problem("factor-dataset-invalid", {"reason": (
                f"the unit {value!r} has more than one meaning ({unclear.text('en')}): write one of "
                + ", ".join(unclear.write))})
        return _Problem("factor-unit-unknown", {"value": str(value)})
    if allowed is not None and str(value) not in allowed:
        return _Problem("factor-dataset-invalid",
                        {"reason": f"{value!r} is not one of {', '.join(allowed)}"})
    return None


@cache
def unit_known(text: str) -> bool:
    """A unit of the project's vocabulary of units (``units.lookup``: pint's spellings beyond it,
    such as a parsec or a short ton written ``ton``, are not units of a dataset either)."""
    return lookup(text) is not None


def _frame(schema: Schema, cells: dict[str, list[Any]]) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for column, kind in schema.columns.items():
        values = cells[column]
        if kind in (NUMBER, OPTIONAL_NUMBER, FRACTION):
            data[column] = pd.Series([math.nan if v is None else v for v in values], dtype="float64")
        else:
            data[column] = pd.Series(["" if v is None else str(v) for v in values], dtype="str")
    return pd.DataFrame(data)


def _check_rows(kind: str, schema: Schema, frame: pd.DataFrame, name: str) -> list[Issue]:
    """Checks across rows: duplicate keys, and what each kind needs."""
    issues = [_invalid(Location(file=name, row=int(i) + 1),
                       f"the row repeats {', '.join(schema.key)} of an earlier row")
              for i in frame.index[frame.duplicated(list(schema.key))]]
    if kind == "blends":
        totals = frame.groupby("blend", sort=False)["mass_fraction"].sum()
        for blend, total in totals[(totals - 1).abs() > BLEND_TOLERANCE].items():
            first = int(frame.index[frame["blend"] == blend][0]) + 1
            issues.append(_invalid(Location(file=name, row=first, column="mass_fraction"),
                                   f"the mass fractions of {blend} sum to {total:.12g}, not 1"))
    if kind in ("grid", "footprint"):
        issues += _check_regions(frame, name)
    if kind == "upstream_fuel":
        for i, unit in zip(frame.index, frame["unit"], strict=True):
            info = lookup(unit)
            dims = info.unit.dimensionality if info is not None else {}
            if info is None or dims.get("[co2e]") != 1 or len(dims) < 2:
                issues.append(_invalid(Location(file=name, row=int(i) + 1, column="unit"),
                                       f"{unit!r} is not CO2e per unit of fuel (e.g. kgCO2e/GJ, tCO2e/t)"))
    if kind == "density":
        for i, unit in zip(frame.index, frame["unit"], strict=True):
            info = lookup(unit)
            if info is None or str(info.unit.dimensionality) != "[mass] / [length] ** 3":
                issues.append(_invalid(Location(file=name, row=int(i) + 1, column="unit"),
                                       f"{unit!r} is not a mass per volume (e.g. t/kL, kg/L)"))
    return issues


def _check_regions(frame: pd.DataFrame, name: str) -> list[Issue]:
    provinces = load_provinces()
    names = {
        "national": {NATIONAL},
        "region": set(provinces["grid_region"]) - {""},
        "province": set(provinces["name"]),
    }
    issues = []
    for i, row in frame.iterrows():
        where = Location(file=name, row=int(i) + 1, column="region")
        if row["region"] not in names[row["level"]]:
            issues.append(_invalid(where, f"{row['region']!r} is not a {row['level']} name; use "
                                          f"{NATIONAL}, a grid region (华北 …) or a province's "
                                          f"short name (北京, 内蒙古 …) as in provinces.csv"))
        if "variant" in row and row["level"] != "national" and row["variant"] != "average":
            issues.append(_invalid(Location(file=name, row=int(i) + 1, column="variant"),
                                   f"variant {row['variant']!r} is published at national level only"))
    return issues


def _check_blend_components(dataset: Dataset, gas_names: set[str]) -> list[Issue]:
    name = Path(dataset.path).name
    rows = dataset.rows
    issues = []
    for i, blend, component in zip(rows.index, rows["blend"], rows["component"], strict=True):
        if normalise_gas(component) not in gas_names:
            issues.append(_invalid(Location(file=name, row=int(i) + 1, column="component"),
                                   f"component {component!r} of {blend} is not in any GWP dataset"))
        if normalise_gas(blend) in gas_names:
            issues.append(_invalid(Location(file=name, row=int(i) + 1, column="blend"),
                                   f"blend name {blend!r} is the name of a single gas"))
    return issues


def _invalid(location: Location, reason: str) -> Issue:
    return issue("factor-dataset-invalid", location, reason=reason)


def load_provinces() -> pd.DataFrame:
    """The 34 provincial-level divisions: code (GB/T 2260 two-digit prefix), name (short, as in
    the grid datasets), full_name, name_en, grid_region (MEE regional grid; empty for 台湾, 香港,
    澳门), aliases ('|'-separated)."""
    from ..core.geo import provinces

    return provinces().copy()
