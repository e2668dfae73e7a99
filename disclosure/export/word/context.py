"""From a results folder to the template's context: plain dicts, lists and strings.

Every figure is taken from ``results.json`` (the factor appendix also from the trace in the
same folder) and formatted by ``export.numbers`` only, so the report prints what the XBRL instance
states. Every word comes from ``text.yaml`` in the report's language, or is the user's own text from
``results["disclosures"]``. Anything the results do not hold is printed as "未披露 / not
disclosed", never left out silently.

The context holds nothing but dicts, lists, strings and the chart pictures (opaque objects with no
public attributes), so a user's template rendered in the sandbox can read the report's data and do
nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ...compute.trace import find as find_trace
from ...compute.trace import read_trace
from ...core import vocabulary as vocab
from ...core import yamlfile
from ...core.text import pick
from .. import methods
from ..numbers import fmt
from . import carbon, financed
from .energy import context as energy_section
from .energy import index as profile_index

LANGS = ("zh-CN", "en")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
TOP_FACILITIES = 10
# the narrative sections, in the order of the report: each is a Heading 2 of the base template, which
# holds one block per key (so each heading has its own bookmark for the contents page)
GOVERNANCE = ("board_oversight", "management_role", "skills", "remuneration")
STRATEGY_NARRATIVES = ("business_model", "financial_effects", "transition_plan")
RISK_MANAGEMENT = ("identification", "assessment", "monitoring", "opportunities", "integration")


@cache
def catalogue() -> dict[str, Any]:
    return yamlfile.load_package(resources.files(__package__).joinpath("text.yaml").read_text(encoding="utf-8"))


def texts(lang: str) -> dict[str, Any]:
    """The catalogue in one language: ``{key: text}``; ``glossary`` as rows; ``fields`` as labels."""
    k = "en" if lang == "en" else "zh"
    out: dict[str, Any] = {}
    for key, v in catalogue().items():
        if key == "glossary":
            out[key] = [{"term": e[k][0], "definition": e[k][1]} for e in v]
        elif key == "fields" or (isinstance(v, dict) and "zh" not in v):   # a group of labels
            out[key] = {f: e[k] for f, e in v.items()}
        else:
            out[key] = v[k]
    # the state's label is the vocabulary's (one place for each label)
    out["not_disclosed"] = vocab.label("disclosure_state", "not_disclosed", lang, capital=True)
    return out


# --- small helpers --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(v: Any) -> Any:
    """Strings as the document may hold them: no control characters but line ends and tabs (which
    docxtpl turns into breaks and tabs; \\a and \\f would make paragraphs and pages)."""
    if isinstance(v, str):
        return _CONTROL.sub("", v.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


def raw_number(v: Any) -> str:
    """An input value (an emission factor, a parameter) as published: no rounding, thousands
    separators, no exponent. Reported figures never come through here: they use ``numbers.fmt``."""
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    d = Decimal(f"{float(v):.10g}").normalize()
    text = format(d, "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return sign + whole + ("." + frac if frac else "")


def lab(enum: str, key: Any, lang: str, long: bool = False, cell: bool = False) -> str:
    """The vocabulary's label of a value in the report's language (capitalised where it starts a
    table cell or a heading)."""
    return vocab.label(enum, key, lang, long, capital=cell)


def lab_or(enum: str, key: Any, lang: str, na: str, cell: bool = True) -> str:
    """The label of a value the enumeration knows; ``na`` for none or an unknown one."""
    return lab(enum, key, lang, cell=cell) if key is not None and key in vocab.enumeration(enum) else na


def labels(lang: str) -> dict[str, dict[str, str]]:
    """Every enumeration's labels in ``lang`` for a template (``{{ v.total.scope1 }}``): the labels
    a table head or a cell prints, capitalised."""
    return {e.name: {str(t.key): t.label(lang, capital=True) for t in e} for e in vocab.vocabulary()}


def _date(iso: str | None, t: dict[str, Any], lang: str) -> str:
    if not iso:
        return t["not_disclosed"]
    d = dt.date.fromisoformat(iso)
    return t["date_long"].format(y=d.year, m=d.month, d=d.day, month=MONTHS[d.month - 1])


class Reader:
    """The user's own text from ``results["disclosures"]`` in the report's language."""

    def __init__(self, disclosures: dict[str, Any], lang: str, na: str):
        self.d = disclosures or {}
        self.k = "en" if lang == "en" else "zh"
        self.other = "zh" if self.k == "en" else "en"
        self.na = na
        self.lang = lang

    def get(self, path: str) -> Any:
        cur: Any = self.d
        for part in path.split("."):
            if not isinstance(cur, dict):
                return None
            cur = cur.get(part)
        return cur

    def text(self, v: Any) -> str | None:
        """A text value ({zh, en} or a string) in the report's language, else the other one."""
        if v is None:
            return None
        if isinstance(v, dict):
            return v.get(self.k) or v.get(self.other) or None
        return str(v) or None

    def paras(self, v: Any) -> list[str]:
        t = self.text(v)
        return [line.strip() for line in t.split("\n") if line.strip()] if t else []

    def or_na(self, v: Any) -> str:
        return self.text(v) or self.na


# --- the context -----------------------------------------------------------------------------------------

def build(results: dict[str, Any], lang: str, folder: Path | None = None,
          picture: Callable[[Callable[[], bytes]], Any] | None = None, input_digest: str | None = None
          ) -> dict[str, Any]:
    """The template context. ``picture`` turns a chart (a function drawing its PNG bytes, called
    only if the template places the chart) into what the template shows; without it, charts are
    left out (``None``). A chart without data is ``None`` either way. ``input_digest``: the report
    pack's (``export.manifest``), stated in the assurance section when given."""
    from . import charts

    if lang not in LANGS:
        raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
    t = texts(lang)
    na = t["not_disclosed"]
    en = lang == "en"
    d = Reader(results.get("disclosures") or {}, lang, na)
    settings = results.get("settings") or {}
    period = results.get("period") or {}
    entity = results.get("entity") or {}
    currency = settings.get("currency") or "CNY"
    year = (period.get("end") or "")[:4] or "—"
    approach_key = settings.get("consolidation") or "operational_control"
    approach = lab("consolidation", approach_key, lang)

    def e(v: Any) -> str:        # emissions, tCO2e
        return fmt(v, "emissions", empty=na)

    # --- cover and running header ---
    name_zh, name_en = entity.get("name_zh") or "", entity.get("name_en") or ""
    name = (name_en or name_zh) if en else (name_zh or name_en)
    alt = name_zh if en else name_en
    title = t["report_title"].format(year=year)
    scheme = entity.get("identifier_scheme") or "uscc"
    ident = entity.get("identifier") or ""
    start, end = _date(period.get("start"), t, lang), _date(period.get("end"), t, lang)
    report = {
        "entity_name": name, "entity_name_alt": alt if alt != name else "", "title": title,
        "basis": t["report_basis"], "period": t["cover_period"].format(start=start, end=end),
        "identifier": t[f"cover_identifier_{'lei' if scheme == 'lei' else 'uscc'}"].format(id=ident) if ident else "",
        # the tool's note on the cover only where the user asks for it (options.tool_stamp)
        "generated": t["cover_generated"].format(version=(results.get("tool") or {}).get("version", ""))
        if (results.get("settings") or {}).get("tool_stamp") else "",
        "running_header": f"{name}　{title}" if not en else f"{name} · {title}",
        "year": year, "lang": lang,
    }

    # --- about this report ---
    entities = [{"name": x.get("name") or x.get("entity_id") or "—",
                 "share": fmt(x.get("share"), "share", empty="—"),
                 "consolidated": lab("boolean", bool(x.get("consolidated")), lang, cell=True)}
                for x in results.get("by_entity") or []]
    assurance_rows, assurance_text = _assurance(d, t)
    missing = (results.get("disclosures") or {}).get("missing")
    source = (results.get("disclosures") or {}).get("source")
    if not source:
        nd_text, nd_list = t["not_disclosed_all"], []
    elif missing:
        nd_text, nd_list = t["not_disclosed_intro"], [_field_label(p, t, lang) for p in missing]
    else:
        nd_text, nd_list = t["not_disclosed_none"], []
    about = {
        "basis": [t["basis_p1"], t["basis_p2"]],
        "entity": t["entity_p"].format(name=name, identifier=ident or na, start=start, end=end,
                                     currency_name=t.get(f"currency_{currency}", currency)),
        "boundary": t["boundary_p"].format(approach=approach, approach_text=t.get(f"approach_text_{approach_key}", "")),
        "entities": entities, "assurance": assurance_rows, "assurance_text": assurance_text,
        "input_digest": t["input_digest_p"].format(digest=input_digest) if input_digest else "",
        "not_disclosed_text": nd_text, "not_disclosed": nd_list,
    }

    governance = [{"title": t[f"gov_{k}"], "paras": d.paras(d.get(f"governance.{k}"))} for k in GOVERNANCE]
    strategy = _strategy(d, t)
    risk = [{"title": t[f"rm_{k}"], "paras": d.paras(d.get(f"risk_management.{k}"))} for k in RISK_MANAGEMENT]

    trace = _read_trace(folder)
    scope2_location = _scope2_location(results, t, lang)
    m = _metrics(results, d, t, lang, e, approach, approach_key, currency, year, scope2_location)
    m["financed"] = financed.section(results, {**t, "lang": lang})
    m["energy"] = energy_section(results, t, lang, lambda ref: methods.dataset_names(ref, results, lang))
    m["profile_index"] = profile_index(results, t, lang)
    refs = _number_tables(t, m)
    if m["trend_note"]:
        m["trend_note"] = m["trend_note"].replace("{table}", refs["cap_yoy"])
    method = _method(results, t, lang, approach, scope2_location, refs)
    appendix = {
        "factors": _factor_rows(trace, t, lang, results) if trace is not None else [],
        "datasets": [{"name": t["dataset_version"].format(title=methods.dataset_title(x, lang), version=x.get("version")),
                      "sha": _grouped(x.get("sha256")) or "—"}
                     for x in results.get("factor_datasets") or []],
        "glossary": t["glossary"],
    }

    pics: dict[str, Any] = {"scopes": None, "scope3": None, "facilities": None, "trend": None}
    if picture is not None:
        for key, draw in _charts(results, d, t, e, charts).items():
            pics[key] = picture(draw) if draw else None

    ctx = {"t": {k: v for k, v in t.items() if k not in ("fields",)}, "v": labels(lang), "lang": lang, "report": report,
           "about": about, "governance": governance, "strategy": strategy, "risk": risk, "m": m,
           "method": method, "appendix": appendix}
    ctx = clean(ctx)
    ctx["charts"] = pics
    return ctx


# disclosures.yaml sections whose fields are the values of an enumeration: their labels are the vocabulary's
FIELD_ENUMERATIONS = {"time_horizons": "horizon", "metrics": "cross_metric", "carbon_market": "carbon_market_item"}


def _field_label(path: str, t: dict[str, Any], lang: str) -> str:
    labels = t["fields"]
    parts = []
    parent = ""
    for seg in path.split("."):
        enum = FIELD_ENUMERATIONS.get(parent)
        if seg.isdigit():
            parts.append(labels["item"].format(n=seg))
        elif enum and seg in vocab.enumeration(enum):
            parts.append(lab(enum, seg, lang))
        else:
            parts.append(labels.get(seg, seg))
        parent = seg
    return t["label_path_sep"].join(parts)


def _assurance(d: Reader, t: dict[str, Any]) -> tuple[list[dict[str, str]], str]:
    a = d.get("assurance") or {}
    level = a.get("level")
    if level == "none":
        return [], t["assurance_none"]
    given = [k for k in ("provider", "standard", "level", "scope", "conclusion", "date") if a.get(k)]
    if not given:
        return [], t["not_disclosed"]
    rows = []
    for k in ("provider", "standard", "level", "scope", "conclusion", "date"):
        v = a.get(k)
        if k == "level":
            value = lab_or("assurance_level", v, d.lang, d.na)
        elif k == "date":
            if not v:
                continue
            value = str(v)
        else:
            value = d.or_na(v)
        rows.append({"label": t[f"as_{k}"], "value": value})
    return rows, ""


def _strategy(d: Reader, t: dict[str, Any]) -> dict[str, Any]:
    horizons = [{"label": lab("horizon", h, d.lang, cell=True), "text": d.or_na(d.get(f"strategy.time_horizons.{h}"))}
                for h in vocab.values("horizon")]
    ro = []
    for r in d.get("strategy.risks_opportunities") or []:
        kind = lab_or("ro_kind", r.get("kind"), d.lang, d.na)
        horizon = lab_or("horizon", r.get("time_horizon"), d.lang, d.na)
        title = d.or_na(r.get("title"))
        ro.append({
            "id": r.get("id") or "—", "kind": kind, "category": d.text(r.get("category")) or "—",
            "title": title, "horizon": horizon,
            "heading": t["ro_heading"].format(id=r.get("id") or "", title=title, kind=kind, horizon=horizon).strip(),
            "description": d.or_na(r.get("description")), "financial_effect": d.or_na(r.get("financial_effect")),
            "response": d.or_na(r.get("response")),
        })
    narratives = [{"title": t[f"st_{k}"], "paras": d.paras(d.get(f"strategy.{k}"))} for k in STRATEGY_NARRATIVES]
    scenarios = []
    for s in d.get("strategy.scenario_analysis.scenarios") or []:
        scenarios.append({
            "name": d.or_na(s.get("name")),
            "kind": lab_or("scenario_kind", s.get("kind"), d.lang, d.na),
            "temperature": s.get("temperature") or "—", "source": d.text(s.get("source")) or "—",
        })
    scenario_text = [
        {"label": t["sc_method"], "text": d.or_na(d.get("strategy.scenario_analysis.method"))},
        {"label": t["sc_resilience"], "text": d.or_na(d.get("strategy.scenario_analysis.resilience"))},
    ]
    return {"horizons": horizons, "ro": ro, "narratives": narratives, "scenarios": scenarios,
            "scenario_text": scenario_text}


def _target_progress(results: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The performance against a target that the calculation computed (results.json ``targets``)."""
    return next((x for x in results.get("targets") or [] if x.get("id") == str(target.get("id"))), {})


def _published(results: dict[str, Any]) -> dict[str, Any]:
    """The totals as published (sums of rounded parts, results.json ``published``), else the totals."""
    return (results.get("published") or {}).get("totals") or results.get("totals") or {}


def _scope2_location(results: dict[str, Any], t: dict[str, Any], lang: str) -> str:
    """How the location-based figure was found, from what the lines used (results.json ``methods``,
    through ``export.methods``): the level asked for, then each grid factor taken and the facilities
    that took it, with the fallback where no factor of that level was published for the year."""
    sentences = methods.named(methods.grid(results, lang), results, lang)
    if sentences:
        return t["sentence_sep"].join(sentences)
    settings = results.get("settings") or {}
    asked = lab("grid_level", settings.get("grid_factor_level") or "province", lang)
    return t["scope2_location"].format(year=settings.get("grid_year") or "—",
                                       levels=t["scope2_levels_asked"].format(asked=asked))


def _metrics(results: dict[str, Any], d: Reader, t: dict[str, Any], lang: str, e: Callable[[Any], str],
             approach: str, approach_key: str, currency: str, year: str, scope2_location: str) -> dict[str, Any]:
    na = d.na
    totals = _published(results)
    settings = results.get("settings") or {}
    s123 = totals.get("scope1_2_3_location")

    def share_of(key: str) -> str:
        v = totals.get(key)
        return fmt(v / s123, "share") if v is not None and s123 else t["dash"]

    total_rows = []
    for key in vocab.TOTALS:
        share = share_of(key) if key in ("scope1", "scope2_location", "scope3") else t["dash"]
        total_rows.append({"key": key, "label": lab("total", key, lang, long=True), "value": e(totals.get(key)),
                           "share": share})

    by_basis = results.get("by_basis") or {}
    group, inv = by_basis.get("consolidated_group") or {}, by_basis.get("other_investees") or {}
    basis = [{"key": k, "label": lab("total", k, lang, long=True), "group": e(group.get(k)), "investees": e(inv.get(k)),
              "total": e(totals.get(k))} for k in ("scope1", "scope2_location", "scope2_market")]
    zero_investees = all(not inv.get(k) for k in ("scope1", "scope2_location", "scope2_market"))
    basis_note = ""
    if zero_investees and approach_key != "equity_share":
        c15 = next((c for c in results.get("scope3_categories") or [] if c.get("category") == 15), {})
        investees = any(x.get("role") == "outside_boundary" and (x.get("ownership") or 0) > 0
                        for x in results.get("boundary") or [])
        basis_note = (t["basis_note_category15"].format(approach=approach)
                      if settings.get("category15_investees") and investees and c15.get("included")
                      else t["basis_note_zero"].format(approach=approach))

    scope2_p = t["sentence_sep"].join([scope2_location, t["scope2_market_p"].format(
        residual_basis=t["residual_basis"], residual=raw_number(settings.get("residual_factor"))),
        *methods.named(methods.market_above_location(results, lang), results, lang)])
    fac_names = {f.get("facility_id"): f.get("name") for f in results.get("by_facility") or []}
    instruments = []
    for x in results.get("scope2_instruments") or []:
        fid = x.get("facility_id")
        instruments.append({
            "id": x.get("instrument_id") or "—", "type": lab_or("instrument_type", x.get("type"), lang, x.get("type") or "—"),
            "facility": f"{fid} {_short(fac_names.get(fid) or '', 40)}".strip() if fid else "—",
            "mwh": fmt(x.get("mwh"), "energy"), "mwh_used": fmt(x.get("mwh_used"), "energy"),
            "factor": raw_number(x.get("emission_factor")),
            "status": lab_or("instrument_status", x.get("status"), lang, x.get("status") or "—"),
        })

    cats = results.get("scope3_categories") or []
    scope3 = []
    for c in cats:
        name = c.get("name_en") if lang == "en" else c.get("name_zh")
        scope3.append({
            "n": c.get("category"), "category": t["category_label"].format(n=c.get("category"), name=name),
            "included": lab("boolean", bool(c.get("included")), lang, cell=True),
            "methods": ("、" if lang != "en" else ", ").join(lab("scope3_method", x, lang, cell=True)
                                                            for x in c.get("methods") or []),
            "value": e(c.get("co2e")) if c.get("included") else t["dash"],
            "reason": pick(c.get("reason"), lang) or "",
        })
    scope3_note = " ".join(t["scope3_partial_note"].format(note=pick(c["coverage_note"], lang))
                           for c in cats if c.get("coverage") == "partial" and c.get("coverage_note"))
    scope3_p = t["scope3_p"].format(included=sum(1 for c in cats if c.get("included")), total=e(totals.get("scope3")))
    dq = results.get("scope3_data_quality") or {}
    dq_rows = [{"label": t["row_primary_share"], "value": fmt(dq.get("primary_share"), "share", empty=t["dash"])},
               {"label": t["row_verified_share"], "value": fmt(dq.get("verified_share"), "share", empty=t["dash"])}]

    by_gas = results.get("by_gas") or {}
    gases = []
    for g in vocab.values("gas"):
        vals = [(by_gas.get(s) or {}).get(g) for s in ("scope1", "scope2_location", "scope3")]
        if g == "unspecified" and not any(vals):
            continue
        # a gas the scope did not measure (absent from by_gas) is a dash, not a zero
        g_vals = [fmt(v, "emissions", empty=t["dash"]) for v in vals]
        gases.append({"key": g, "gas": lab("gas", g, lang, long=True, cell=True), "s1": g_vals[0], "s2": g_vals[1],
                      "s3": g_vals[2]})

    def split_rows(rows: Iterable[dict[str, Any]], name: Callable[[dict[str, Any]], str]) -> list[dict[str, Any]]:
        rows = sorted(rows, key=lambda r: -((r.get("scope1") or 0) + (r.get("scope2_location") or 0)))
        return [{"name": name(r), "s1": e(r.get("scope1")), "s2l": e(r.get("scope2_location")),
                 "s2m": e(r.get("scope2_market")), "s3": e(r.get("scope3"))} for r in rows]

    entities = split_rows(results.get("by_entity") or [], lambda r: r.get("name") or r.get("entity_id") or "—")
    provinces = split_rows(results.get("by_province") or [], lambda r: r.get("province") or "—")
    facilities = []
    for i, f in enumerate((results.get("by_facility") or [])[:TOP_FACILITIES], 1):
        facilities.append({"rank": str(i), "id": f.get("facility_id"),
                           "name": f"{f.get('facility_id')} {f.get('name') or ''}".strip(),
                           "province": f.get("province") or "—", "s1": e(f.get("scope1")),
                           "s2l": e(f.get("scope2_location")), "s2m": e(f.get("scope2_market"))})

    intensity = []
    it = results.get("intensity") or {}
    label_metric = {k: lab("total", k, lang, long=True) for k in ("scope1_2_location", "scope1_2_market",
                                                                  "scope1_2_3_location")}
    if it.get("per_revenue"):
        r = it["per_revenue"]
        cur = r.get("currency") or currency
        unit = (t["unit_per_revenue"] if cur == "CNY" else t["unit_per_revenue_other"]).format(currency=cur)
        for k in ("scope1_2_location", "scope1_2_market", "scope1_2_3_location"):
            if r.get(k) is not None:
                intensity.append({"label": t["row_per_revenue"].format(metric=label_metric[k]), "unit": unit,
                                  "value": fmt(r[k], "intensity")})
    if it.get("per_output"):
        o = it["per_output"]
        label = (o.get("label_en") if lang == "en" else o.get("label_zh")) or o.get("label_zh") or o.get("output_unit")
        unit = t["unit_per_output"].format(unit=o.get("output_unit") or "")
        for k in ("scope1_2_location", "scope1_2_market"):
            if o.get(k) is not None:
                intensity.append({"label": t["row_per_output"].format(label=label, metric=label_metric[k]),
                                  "unit": unit, "value": fmt(o[k], "intensity")})

    trend = []
    history, from_prior = _history(results, d)
    for h in history:
        trend.append({"year": h["year"], "s1": e(h.get("scope1")), "s2l": e(h.get("scope2_location")),
                      "s2m": e(h.get("scope2_market")), "s3": e(h.get("scope3"))})
    trend_note = ""
    if from_prior:
        pp = (results.get("prior") or {}).get("period") or {}
        trend_note = t["trend_prior_note"].format(year=from_prior, start=_date(pp.get("start"), t, lang),
                                                  end=_date(pp.get("end"), t, lang), table="{table}")
    if trend:
        trend.append({"year": t["row_this_year"].format(year=year), "s1": e(totals.get("scope1")),
                      "s2l": e(totals.get("scope2_location")), "s2m": e(totals.get("scope2_market")),
                      "s3": e(totals.get("scope3"))})

    targets = []
    for x in d.get("targets") or []:
        kind = "intensity" if x.get("type") == "intensity" else "emissions"
        base, target = x.get("base_value"), x.get("target_value")
        done = _target_progress(results, x)
        current = done.get("current_value")
        progress = fmt(done.get("progress"), "share", empty=t["dash"])

        def yv(y: Any, v: Any, kind: str = kind) -> str:
            if y is None and v is None:
                return na
            return t["year_value"].format(year=y if y is not None else na,
                                          value=fmt(v, kind, empty=na))

        target_gases = x.get("gases") or na
        targets.append({
            "id": x.get("id") or "", "name": f"{x.get('id') or ''} {d.or_na(x.get('name'))}".strip(),
            "unit": x.get("unit") or "",
            "base": yv(x.get("base_year"), base), "target": yv(x.get("target_year"), target),
            "current": fmt(current, kind, empty=na), "progress": progress,
            "details": t["target_details"].format(
                scope=d.or_na(x.get("scope")), coverage=d.or_na(x.get("coverage")),
                gases=target_gases, type=lab_or("target_type", x.get("type"), lang, na, cell=False),
                basis=lab_or("target_basis", x.get("basis"), lang, na, cell=False),
                credits=e(x.get("carbon_credits"))).strip(),
            "milestones": d.text(x.get("milestones")) or "", "notes": d.text(x.get("notes")) or "",
        })

    metrics = d.get("metrics") or {}
    cross = []
    for k in vocab.values("cross_metric"):
        v = metrics.get(k) or {}
        label = lab("cross_metric", k, lang, cell=True)
        if k == "internal_carbon_price":
            label += t["unit_price"].format(currency=currency)
        amount_key = "price" if k == "internal_carbon_price" else "amount"
        has_amount = k not in ("remuneration",)
        has_share = k in ("transition_risk", "physical_risk", "opportunities", "remuneration")
        cross.append({
            "key": k, "label": label,
            "amount": fmt(v.get(amount_key), "money", empty=na) if has_amount else t["dash"],
            "share": fmt(v.get("share"), "share", empty=na) if has_share else t["dash"],
            "description": d.or_na(v.get("description")),
        })
    cm = d.get("carbon_market") or {}
    market = [{"key": "compliance_period", "label": lab("carbon_market_item", "compliance_period", lang, cell=True),
               "value": cm.get("compliance_period") or na, "unit": ""}]
    for k in ("allowances_allocated", "allowances_surrendered", "allowances_bought", "allowances_sold", "ccer_used"):
        market.append({"key": k, "label": lab("carbon_market_item", k, lang, cell=True), "value": e(cm.get(k)),
                       "unit": t["unit_tco2e"]})

    return {
        "totals": total_rows, "basis": basis, "basis_note": basis_note, "scope2_p": scope2_p,
        "instruments": instruments, "scope3": scope3, "scope3_total": e(totals.get("scope3")),
        "scope3_p": scope3_p, "scope3_note": scope3_note, "dq": dq_rows, "gas": gases, "entities": entities,
        "entity_total": {"s1": e(totals.get("scope1")), "s2l": e(totals.get("scope2_location")),
                         "s2m": e(totals.get("scope2_market")), "s3": e(totals.get("scope3"))},
        "provinces": provinces, "facilities": facilities,
        # a company without biomass: one sentence, no table of zeros
        "biogenic": [{"label": lab("memo_total", "biogenic_co2", lang, long=True, cell=True),
                      "value": e(totals.get("biogenic_co2"))}] if totals.get("biogenic_co2") else [],
        "biogenic_text": t["biogenic_p"] if totals.get("biogenic_co2") else t["biogenic_none"],
        "intensity": intensity, "trend": trend, "trend_note": trend_note, "targets": targets, "cross": cross,
        "amount_header": t["col_amount"].format(currency=currency),
        "market": market, "market_accounting": d.or_na(d.get("carbon_market_accounting")),
        "cm": carbon.context(results, d, t, lang, currency, e),
        **_years(results, t, lang, year),
    }


TOTAL_KEYS = vocab.TOTALS
TREND_KEYS = ("scope1", "scope2_location", "scope2_market", "scope3")


def _prior_year(results: dict[str, Any]) -> str:
    """The year of the prior period (``prior`` of results.json, from ``report --prior``), or ""."""
    prior = results.get("prior")
    end = ((prior.get("period") or {}).get("end") or "") if isinstance(prior, dict) else ""
    return str(end)[:4]


def _history(results: dict[str, Any], d: Reader) -> tuple[list[dict[str, Any]], str]:
    """The years before this one, oldest first, for the trend table and chart: ``history`` of
    disclosures.yaml, with the prior period's totals (``report --prior``) supplying that year, or
    replacing what the history says of it, so the trend agrees with the comparison table. Returns
    the points and the year the prior totals supplied ("" when none)."""
    year = (results.get("period") or {}).get("end", "")[:4]
    points: dict[str, dict[str, Any]] = {}
    for h in d.get("history") or []:
        if isinstance(h, dict) and h.get("year") is not None and str(h["year"]) != year:
            points[str(h["year"])] = {**h, "year": str(h["year"])}
    prior = results.get("prior") if isinstance(results.get("prior"), dict) else {}
    totals = prior.get("totals") or {}
    py = _prior_year(results)
    used = ""
    if py and py != year and any(totals.get(k) is not None for k in TREND_KEYS):
        points[py] = {**points.get(py, {}), "year": py,
                      **{k: totals[k] for k in TREND_KEYS if totals.get(k) is not None}}
        used = py
    order = sorted(points, key=lambda y: (int(y) if y.isdigit() else 0, y))
    return [points[y] for y in order], used


def _years(results: dict[str, Any], t: dict[str, Any], lang: str, year: str) -> dict[str, Any]:
    """The comparison with the prior year and the base-year check (``change``, ``prior`` and
    ``base_year`` of results.json, written by ``report --prior``). Every key is there without a
    prior too (empty), so a template reading them never breaks."""
    dash = t["dash"]
    totals = _published(results)
    prior = results.get("prior") if isinstance(results.get("prior"), dict) else {}
    change = results.get("change") if isinstance(results.get("change"), dict) else {}
    py = _prior_year(results)

    def num(v: Any, kind: str = "emissions") -> str:
        return fmt(v, kind, empty=dash)

    yoy = []
    if change:
        prior_totals = prior.get("published") or prior.get("totals") or {}
        for k in TOTAL_KEYS:
            c = change.get(k) or {}
            was, now = prior_totals.get(k, c.get("prior")), totals.get(k, c.get("current"))
            # the change between the published figures, so that the row adds up as printed
            absolute = now - was if prior.get("published") and None not in (was, now) else c.get("absolute")
            yoy.append({"key": k, "label": lab("total", k, lang, long=True),
                        "prior": num(was), "current": num(now),
                        "absolute": num(absolute), "relative": num(c.get("relative"), "share")})
    pp = prior.get("period") or {}
    by = results.get("base_year") if isinstance(results.get("base_year"), dict) else {}
    notes = []
    if yoy and by.get("recalculation_required"):
        notes.append(t["yoy_not_restated"])
    if any((change.get(k) or {}).get("prior") == 0 for k in TOTAL_KEYS):
        notes.append(t["yoy_relative_na"])
    return {
        "yoy": yoy,
        "yoy_head": {"prior": t["col_year_emissions"].format(year=py) if py else "",
                     "current": t["col_year_emissions"].format(year=year),
                     "absolute": t["col_change"], "relative": t["col_change_pct"]},
        "yoy_p": t["yoy_p"].format(start=_date(pp.get("start"), t, lang), end=_date(pp.get("end"), t, lang))
        if yoy else "",
        "yoy_notes": notes,
        "base_year": _base_year(results, by, t, lang, num),
    }


def _base_year(results: dict[str, Any], by: dict[str, Any], t: dict[str, Any], lang: str,
               num: Callable[..., str]) -> dict[str, Any]:
    dash = t["dash"]
    out: dict[str, Any] = {"present": bool(by), "period": "", "threshold": "", "structural": "", "share": "",
                           "required": "", "conclusion": "", "paras": [], "log": []}
    if not by:
        return out
    en = lang == "en"
    period = by.get("base_period") or {}
    start, end = _date(period.get("start"), t, lang), _date(period.get("end"), t, lang)
    share, threshold = by.get("structural_change_share"), by.get("threshold")
    required = bool(by.get("recalculation_required"))
    if not required:
        conclusion = t["base_year_not_required"]
    elif share is not None and threshold is not None and share > threshold:
        conclusion = t["base_year_required_structural"]
    else:
        conclusion = t["base_year_required_method"]
    out.update({
        "period": t["period_span"].format(start=start, end=end),
        "threshold": num(threshold, "share"), "structural": num(by.get("structural_change_scope1_2_location")),
        "share": num(share, "share"), "required": lab("boolean", required, lang, cell=True),
        "conclusion": conclusion,
    })
    out["paras"] = [
        t["base_year_p"].format(start=start, end=end, threshold=out["threshold"]),
        t["base_year_structural"].format(value=out["structural"], share=out["share"]) + t["sentence_sep"] + conclusion,
    ]
    titles = {x.get("id"): (x.get("title_en") if en else x.get("title_zh")) or x.get("title_zh")
              for x in results.get("factor_datasets") or []}

    def setting(key: str, v: Any) -> str:
        if v is None or v == "":
            return dash
        takes = vocab.term("setting", key).get("takes") if key in vocab.enumeration("setting") else None
        return lab(takes, v, lang, cell=True) if takes else str(v)

    for x in by.get("log") or []:
        kind, item = str(x.get("change") or ""), str(x.get("item") or "")
        row = {"kind": lab_or("change_kind", kind, lang, kind or dash), "item": item or dash,
               "name": x.get("name") or dash,
               "emissions": dash, "share": dash, "prior": dash, "current": dash}
        if kind == "method_changed":
            row.update(item=lab_or("setting", item, lang, item or dash), prior=setting(item, x.get("prior")),
                       current=setting(item, x.get("current")))
        elif kind == "factor_changed":
            row.update(name=titles.get(item) or dash,
                       prior=dash if x.get("prior") is None else str(x["prior"]),
                       current=dash if x.get("current") is None else str(x["current"]))
        else:
            row.update(emissions=num(x.get("scope1_2_location")), share=num(x.get("share_of_prior"), "share"))
        out["log"].append(row)
    return out


# The tables of chapter 5 in the order of the base template, each with whether it is shown (None: always).
METRIC_TABLES: tuple[tuple[str, Callable[[dict[str, Any]], Any] | None], ...] = (
    ("cap_totals", None), ("cap_yoy", lambda m: m["yoy"]),
    ("cap_base_year", lambda m: m["base_year"]["present"] and m["base_year"]["log"]),
    ("cap_basis", None), ("cap_instruments", lambda m: m["instruments"]), ("cap_scope3", None), ("cap_dq", None),
    ("cap_financed", lambda m: m["financed"]),
    ("cap_gas", None), ("cap_entity", None), ("cap_province", None), ("cap_facility", None),
    ("cap_biogenic", lambda m: m["biogenic"]),
    ("cap_intensity", lambda m: m["intensity"]), ("cap_trend", lambda m: m["trend"]),
    ("cap_targets", lambda m: m["targets"]), ("cap_cross", None),
    ("cap_market", lambda m: not m["cm"]["na"] and not m["cm"]["ledger"]),
    ("cap_cm_movements", lambda m: m["cm"]["ledger"]), ("cap_cm_obligations", lambda m: m["cm"].get("obligations")),
    ("cap_cm_money", lambda m: m["cm"]["ledger"]), ("cap_cm_tie_out", lambda m: m["cm"]["ledger"]),
    ("cap_cm_recon", lambda m: m["cm"]["ledger"] and m["cm"].get("recon")),
    ("cap_energy", lambda m: m["energy"]["present"]), ("cap_energy_summary", lambda m: m["energy"]["present"]),
    ("cap_profile_index", lambda m: m["profile_index"]["present"]),
)


def _number_tables(t: dict[str, Any], m: dict[str, Any]) -> dict[str, str]:
    """Number the captions of chapter 5 in ``t`` by the tables the report shows, so there is no gap
    where a table is left out; a table left out takes the number it would have had. Returns each
    table's reference ("表 5-3" / "Table 5.3") for the text that points to it."""
    refs, n = {}, 0
    for key, shown in METRIC_TABLES:
        num = n + 1
        if shown is None or shown(m):
            n = num
        t[key] = t[key].format(n=num)
        refs[key] = t["table_ref"].format(n=num)
    return refs


def _basis_name(ident: str, results: dict[str, Any], lang: str) -> str:
    """The default fuel dataset by its title (the id where results.json does not list it)."""
    x = next((x for x in results.get("factor_datasets") or [] if x.get("id") == ident), None)
    return f"“{methods.dataset_title(x, lang)}”" if x else ident


def _method(results: dict[str, Any], t: dict[str, Any], lang: str, approach: str, scope2_location: str,
            refs: dict[str, str]) -> dict[str, Any]:
    settings = results.get("settings") or {}
    gwp = settings.get("gwp") or "AR6"
    datasets = results.get("factor_datasets") or []
    basis_id = settings.get("default_fuel_basis") or "—"
    paras = [
        t["sentence_sep"].join([t["method_combustion"].format(
            basis=_basis_name(basis_id, results, lang),
            non_co2=t["method_non_co2_yes"] if settings.get("combustion_non_co2") else t["method_non_co2_no"]),
            *methods.named(methods.combustion(results, lang), results, lang)]),
        t["method_precedence"].format(order=(" → ").join(lab("precedence", p, lang) for p in
                                                         settings.get("precedence") or [])),
    ]
    paras.append(t["sentence_sep"].join([scope2_location, t["scope2_market_method"].format(
        residual_basis=t["residual_basis"], residual=raw_number(settings.get("residual_factor")),
        table=refs["cap_instruments"],
        types=vocab.labels_of("instrument_type", ("gec", "green_power", "supplier_specific"), lang)),
        *methods.named(methods.market_above_location(results, lang), results, lang)]))
    paras += methods.scope3_reliefs(results, lang)
    if settings.get("category3_electricity"):
        paras.append(t["method_scope3_cat3"].format(note=methods.dataset_names(settings["category3_electricity"], results, lang)))
    rows = []
    for x in datasets:
        title = (x.get("title_en") if lang == "en" else x.get("title_zh")) or x.get("id")
        sep = "; " if lang == "en" else "；"   # the parts of a citation, and of a list of document numbers
        doc = sep.join(str(v).replace("; ", sep) for v in (methods.dataset_text(x, "document", lang),
                                                           methods.dataset_text(x, "announcement", lang)) if v)
        publisher = methods.dataset_text(x, "publisher", lang) or "—"
        rows.append({"name": t["dataset_version"].format(title=title, version=x.get("version")),
                     "publisher": f"{publisher}\n{doc}" if doc else publisher,
                     "year": str(x.get("year") or "—")})
    exclusions = []
    for c in results.get("scope3_categories") or []:
        if not c.get("included"):
            name = c.get("name_en") if lang == "en" else c.get("name_zh")
            exclusions.append({"item": t["exclusion_scope3"].format(n=c.get("category"), name=name),
                               "reason": pick(c.get("reason"), lang) or "—"})
    by_status = ((results.get("lines") or {}).get("by_status") or {})
    if by_status.get("outside_boundary"):
        exclusions.append({"item": t["exclusion_outside"].format(n=f"{by_status['outside_boundary']:,}"),
                           "reason": t["exclusion_outside_reason"].format(approach=approach)})
    for status in ("excluded", "rejected"):
        if by_status.get(status):
            exclusions.append({"item": t["exclusion_rows"].format(n=f"{by_status[status]:,}"),
                               "reason": t[f"line_status_{status}"]})
    return {"standards": [f"{i}. {t[f'std_{i}']}" for i in range(1, 7)],
            "gwp": t["gwp_p"].format(gwp=lab("gwp", gwp, lang)), "paras": paras, "datasets": rows,
            "exclusions": exclusions}


_TRACE_COLUMNS = ("status", "scope", "source", "activity", "factor_dataset", "factor_id", "factor_value",
                  "factor_unit", "precedence", "ncv", "ncv_unit", "carbon_content", "oxidation_rate", "gas_other",
                  "gwp_other", "t_CO2", "t_CH4", "t_N2O", "biogenic_co2", "grid_level")


def _read_trace(folder: Path | None) -> Any:
    """The columns of the folder's trace the report uses, whichever engine wrote it (one
    ``trace.parquet`` or ``trace/part-*.parquet``); None without a readable trace."""
    if folder is None or find_trace(folder) is None:
        return None
    try:
        return read_trace(folder, _TRACE_COLUMNS, categories=True)
    except Exception:  # an unreadable trace leaves the appendix to the datasets table
        return None


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and str(v) not in ("", "nan", "None")


def _unit(u: Any) -> str:
    return str(u).replace("CO2", "CO₂") if _present(u) else ""


_FACTOR_KEYS = ("scope", "source", "activity", "factor_dataset", "user_factor_id", "factor_value", "factor_unit",
                "precedence", "ncv", "ncv_unit", "carbon_content", "oxidation_rate", "gas_other", "gwp_other", "gas_label")
_GASES = {"t_CO2": "CO₂", "t_CH4": "CH₄", "t_N2O": "N₂O"}


def _factor_groups(tr: Any) -> Any:
    """The included lines by ``_FACTOR_KEYS``, a row per group with its number of ``lines``: what
    ``groupby(keys, dropna=False, sort=False).size()`` gives of them (groups in order of their first
    line, a missing value a key of its own, each key as its column's factorisation holds it), with
    two keys of their own: ``gas_label``, the gas a single-gas factor gives (a row factor for CH4,
    say; blank for combustion, which gives all three), and ``user_factor_id``, a user factor's id
    (blank for other factors). Computed on integer codes, a key at a time, without a copy of the
    lines (only each key's values on the included lines)."""
    import numpy as np
    import pandas as pd

    n = len(tr)
    rows = np.flatnonzero((tr["status"] == "included").to_numpy(dtype=bool, na_value=False))
    has = np.column_stack([tr[c].notna().to_numpy() for c in _GASES]) if n else np.zeros((0, 3), dtype=bool)
    one = has.sum(axis=1) == 1
    label = np.zeros(n, dtype=np.int64)   # 0 "", 1 CO₂, 2 CH₄, 3 N₂O
    for k in range(3):
        label[one & has[:, k]] = k + 1
    label[~has.any(axis=1) & tr["biogenic_co2"].notna().to_numpy()] = 1
    user = tr["factor_dataset"].astype("str").str.startswith("inventory:").fillna(False).to_numpy(dtype=bool)
    fid = tr["factor_id"]
    if isinstance(fid.dtype, pd.CategoricalDtype) and "" not in fid.cat.categories:
        fid = fid.cat.add_categories([""])
    keyed = {"gas_label": pd.Series(pd.Categorical.from_codes(label, ["", *_GASES.values()])),
             "user_factor_id": fid.where(user, "")}
    group = np.zeros(len(rows), dtype=np.int64)
    bound = 1
    levels = []
    for k in _FACTOR_KEYS:
        col = keyed[k] if k in keyed else tr[k]
        # the included lines' values (a categorical's codes, numbers): the first of equal values
        # stands for them, as in groupby (0.0 and -0.0 are one key, shown as the first line has it)
        codes, uniques = pd.factorize(col if len(rows) == n else col.iloc[rows], use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.int64)
        levels.append((codes, uniques))
        size = len(uniques) + 1
        if bound * size >= 2**62:   # renumber before the codes could overflow
            group, uniq = pd.factorize(group)
            bound = len(uniq)
        group = group * size + codes + 1
        bound *= size
    group, _ = pd.factorize(group)   # 0 … groups-1 in order of each group's first line
    lines = np.bincount(group, minlength=int(group.max()) + 1 if len(group) else 0)
    first = np.flatnonzero(np.r_[True, group[1:] > np.maximum.accumulate(group)[:-1]]) if len(group) else group
    # each key's values as the trace's text ("str", a categorical's too), numbers and Int64 hold them
    out = {k: pd.api.extensions.take(np.asarray(uniques, dtype=object) if k == "gas_label" else
                                     uniques.astype("str") if isinstance(uniques.dtype, pd.CategoricalDtype) else uniques,
                                     codes[first], allow_fill=True)
           for k, (codes, uniques) in zip(_FACTOR_KEYS, levels, strict=True)}
    return pd.DataFrame({**out, "lines": lines})


def _factor_rows(tr: Any, t: dict[str, Any], lang: str, results: dict[str, Any]) -> list[dict[str, str]]:
    """The factors applied to the lines counted: one row per source, activity and factor (a user
    factor is named by its id; other factors by their value: grid factors of several provinces
    that share one regional value are one row)."""
    g = _factor_groups(tr)
    order = {s: i for i, s in enumerate(vocab.values("source"))}
    g["_o"] = g["source"].map(order).fillna(99)
    g = g.sort_values(["_o", "scope", "activity", "factor_value", "ncv"], kind="stable", na_position="last")
    rows = []
    for r in g.itertuples(index=False):
        if _present(r.factor_value):
            factor = f"{raw_number(r.factor_value)} {_unit(r.factor_unit)}".strip()
            if r.gas_label and not any(g in str(r.factor_unit) for g in ("CO2", "CH4", "N2O")):
                factor += f" ({r.gas_label})"
        elif _present(r.ncv):
            factor = t["factor_params"].format(ncv=raw_number(r.ncv), ncv_unit=_unit(r.ncv_unit),
                                               cc=raw_number(r.carbon_content), of=raw_number(r.oxidation_rate))
        elif _present(r.gas_other) and _present(r.gwp_other):
            factor = f"{r.gas_other}: GWP {raw_number(r.gwp_other)}"
        else:
            factor = "—"
        ds = str(r.factor_dataset) if _present(r.factor_dataset) else ""
        if ds.startswith("inventory:"):
            dataset = t["user_factor"].format(id=r.user_factor_id or "").strip()
        elif ds and ds not in order and ds not in ("row", "user_factor", "measured", "basis", "default"):
            dataset = methods.dataset_names(ds, results, lang, lambda n: _short(n, 18))
        elif _present(r.gas_other) and _present(r.gwp_other) and not _present(r.factor_value):
            dataset = t["gwp_dataset"]
        else:
            p = ds or (str(r.precedence) if _present(r.precedence) else "")
            dataset = lab_or("precedence", p, lang, p or "—")
        rows.append({"source": lab("source", r.source, lang, cell=True), "activity": str(r.activity),
                     "factor": factor, "dataset": dataset, "lines": f"{int(r.lines):,}"})
    return rows


def _grouped(sha: str | None) -> str:
    """A SHA-256 value in groups of eight (two lines of four in its column, never a character alone)."""
    return " ".join(sha[i:i + 8] for i in range(0, len(sha), 8)) if sha else ""


def _short(name: str, n: int = 16) -> str:
    base = re.sub(r"[（(].*[）)]\s*$", "", name).strip() or name
    return base if len(base) <= n else base[: n - 1] + "…"


def _charts(results: dict[str, Any], d: Reader, t: dict[str, Any], e: Callable[[Any], str],
            charts: Any) -> dict[str, Callable[[], bytes] | None]:
    """The charts there is data for, each as a function drawing it (drawing is the slow part)."""
    totals = results.get("totals") or {}
    out: dict[str, Callable[[], bytes] | None] = {}
    keys = ("scope1", "scope2_location", "scope2_market", "scope3")
    if any(totals.get(k) for k in keys):
        out["scopes"] = lambda: charts.hbar([lab("total", k, d.lang, cell=True) for k in keys], [totals.get(k) or 0.0 for k in keys],
                                    [e(totals.get(k)) for k in keys], t["chart_axis"],
                                    colors=[charts.PALETTE[0], charts.PALETTE[1], charts.PALETTE[2], charts.PALETTE[3]])
    lang = "en" if d.k == "en" else "zh-CN"
    cats = sorted([c for c in results.get("scope3_categories") or [] if c.get("included") and c.get("co2e")],
                  key=lambda c: -c["co2e"])
    if cats:
        out["scope3"] = lambda: charts.hbar(
            [_short(t["category_label"].format(n=c["category"], name=c["name_en"] if lang == "en" else c["name_zh"]),
                    44 if lang == "en" else 16) for c in cats],
            [c["co2e"] for c in cats], [e(c["co2e"]) for c in cats], t["chart_axis"])
    facs = (results.get("by_facility") or [])[:TOP_FACILITIES]
    if facs and any((f.get("scope1") or 0) + (f.get("scope2_location") or 0) for f in facs):
        out["facilities"] = lambda: charts.stacked_hbar(
            [_short(f"{f.get('facility_id')} {f.get('name') or ''}".strip()) for f in facs],
            [(lab("total", "scope1", d.lang, cell=True), [f.get("scope1") or 0.0 for f in facs]),
             (lab("total", "scope2_location", d.lang, cell=True), [f.get("scope2_location") or 0.0 for f in facs])],
            [e((f.get("scope1") or 0.0) + (f.get("scope2_location") or 0.0)) for f in facs], t["chart_axis"])
    hist, _ = _history(results, d)
    if hist:
        year = (results.get("period") or {}).get("end", "")[:4]
        points = [*hist, {"year": year, "scope1": totals.get("scope1"), "scope2_location": totals.get("scope2_location"),
                          "scope3": totals.get("scope3")}]
        series = [(k, lab("total", k, d.lang, cell=True)) for k in ("scope1", "scope2_location")]
        if all(p.get("scope3") is not None for p in points):
            series.append(("scope3", lab("total", "scope3", d.lang, cell=True)))
        if all(p.get(k) is not None for p in points for k, _ in series):
            out["trend"] = lambda: charts.stacked_columns(
                [str(p["year"]) for p in points], [(label, [p[k] for p in points]) for k, label in series],
                [e(sum(p[k] for k, _ in series)) for p in points], t["chart_axis"])
    return out
