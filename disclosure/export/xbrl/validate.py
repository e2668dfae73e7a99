"""Validation with Arelle, offline, in a worker process; Arelle's messages become Issue records.

Arelle is not thread-safe (a global lock) and its memory grows with every run, so it runs in a
process of its own (a subprocess running ``arelle_worker.py``). ``workOffline=True`` always: only then are Arelle's
bundled standard schemas and the Unit Type Registry used, and nothing is fetched. The IFRS taxonomy
comes from the package the user supplies; the project's extension from its taxonomy package (or
from inside the report package).

The worker also reads the facts back from each Inline XBRL document it loaded (for the round trip).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core.issues import Issue, Location, issue

WORKER = Path(__file__).with_name("arelle_worker.py")

# Arelle's log levels → the project's codes
LEVEL_CODES = {"ERROR": "xbrl-invalid", "CRITICAL": "xbrl-invalid", "FATAL": "xbrl-invalid",
               "EXCEPTION": "xbrl-invalid", "WARNING": "xbrl-warning", "INCONSISTENCY": "xbrl-arelle-inconsistent"}
# Arelle's codes that are inconsistencies whatever their level: a set of duplicate facts with
# different values is logged as a warning, and is an inconsistency of the report
CODE_CODES = {"arelle:duplicateFacts": "xbrl-arelle-inconsistent"}


@dataclass
class EntryResult:
    entry: str
    ok: bool
    messages: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)   # read back from Inline XBRL documents
    documents: list[str] = field(default_factory=list)           # the report documents loaded
    seconds: dict[str, Any] = field(default_factory=dict)        # the worker's own timings (arelle_worker)

    def codes(self) -> list[str]:
        return [m["code"] for m in self.messages if m["level"] != "INFO"]


@dataclass
class ArelleRun:
    results: list[EntryResult]
    seconds: float
    error: str | None = None     # Arelle could not be started or crashed

    def breakdown(self) -> dict[str, float]:
        """Where the time went, summed over the entries: Arelle's import, per report document its
        load, validation and formula run (``load:<document>`` …), the rest of the sessions (opening
        the package, the viewer, closing), reading the facts back, and the worker process beyond
        that (Python's start, the job and result files; meaningful with one worker process: with
        more, their times overlap)."""
        out: dict[str, float] = {}
        inside = 0.0
        for r in self.results:
            s = r.seconds or {}
            out["import"] = out.get("import", 0.0) + float(s.get("import", 0.0))
            timed = 0.0
            for doc, steps in sorted((s.get("documents") or {}).items()):
                for step, sec in steps.items():
                    out[f"{step}:{doc}"] = out.get(f"{step}:{doc}", 0.0) + sec
                    timed += sec
            out["session other"] = out.get("session other", 0.0) + float(s.get("session", 0.0)) - timed
            out["read facts"] = out.get("read facts", 0.0) + float(s.get("read", 0.0))
            inside += float(s.get("import", 0.0)) + float(s.get("session", 0.0)) + float(s.get("read", 0.0))
        if self.results:
            out["process other"] = self.seconds - inside
        return out


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-P", str(WORKER), *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class ArelleWorker:
    """A worker process started ahead of its job: it imports Arelle (about 0.3 s of a second core)
    while the caller checks and computes, then runs the one job ``run_arelle`` hands it (the first
    share of the entries). Used as a context manager; a worker not taken by then is ended on exit.
    The job and its result are the same as a worker started by ``run_arelle`` itself."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = _start("--wait")

    def take(self) -> subprocess.Popen[str] | None:
        """The waiting process, once (None: taken already, or it ended while it waited)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is not None:   # it died importing: run_arelle starts one afresh
            proc.communicate()
            return None
        return proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:   # never given a job: it has written nothing
            proc.kill()
            proc.communicate()

    def __enter__(self) -> ArelleWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_arelle(entries: list[str | Path], packages: list[str | Path], read_facts: bool = False,
               viewer_dest: str | Path | None = None, timeout: float = 900, workers: int = 1,
               validate: bool = True, started: ArelleWorker | None = None) -> ArelleRun:
    """Validate each entry (instance, Inline XBRL document or report package) in a worker process.
    ``read_facts`` reads back the facts of the Inline XBRL documents; ``viewer_dest`` (a folder)
    also writes the ixbrl-viewer page of the first entry there; ``workers`` > 1 shares the entries
    among that many processes running at once; ``validate=False`` only loads (for benchmarks).

    The worker is ``arelle_worker.py`` run as a script by this interpreter: it imports Arelle and
    nothing of this package (-P: its own folder is not put on sys.path), and talks through two
    JSON files. ``started``: a worker started ahead (``ArelleWorker``) runs the first share."""
    t0 = time.perf_counter()
    names = [str(e) for e in entries]
    n = max(1, min(workers, len(names)))
    chunks = [names[i::n] for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="disclosure-arelle-") as tmp:
        procs = []
        for k, chunk in enumerate(chunks):
            job = {"entries": chunk, "packages": [str(p) for p in packages], "read_facts": read_facts,
                   "validate": validate,
                   "viewer_dest": None if viewer_dest is None or k else str(viewer_dest)}
            job_file, result_file = Path(tmp) / f"job{k}.json", Path(tmp) / f"result{k}.json"
            job_file.write_text(json.dumps(job), encoding="utf-8")
            waiting = started.take() if started is not None and k == 0 else None
            if waiting is not None:
                procs.append((waiting, result_file, f"{job_file}\t{result_file}\n"))
            else:
                procs.append((_start(str(job_file), str(result_file)), result_file, None))
        by_entry: dict[str, EntryResult] = {}
        error = None
        for proc, result_file, given in procs:
            try:
                _out, err = proc.communicate(given, timeout=max(1.0, timeout - (time.perf_counter() - t0)))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                error = f"Arelle did not finish within {timeout:.0f} s"
                continue
            if proc.returncode != 0 or not result_file.is_file():
                tail = " ".join((err or _out or "").strip().splitlines()[-3:])
                error = f"the Arelle worker failed (exit {proc.returncode}): {tail}"
                continue
            for r in json.loads(result_file.read_text(encoding="utf-8")):
                by_entry[r["entry"]] = EntryResult(**r)
    if error:
        return ArelleRun([], time.perf_counter() - t0, error)
    return ArelleRun([by_entry[e] for e in names], time.perf_counter() - t0)


# --- messages → issues ---------------------------------------------------------------------------------

def issues_from(run: ArelleRun) -> list[Issue]:
    out: list[Issue] = []
    if run.error:
        out.append(issue("xbrl-arelle-failed", reason=run.error))
        return out
    for r in run.results:
        for m in r.messages:
            code = CODE_CODES.get(m["code"]) or LEVEL_CODES.get(str(m["level"]).upper())
            if code is None:
                continue
            out.append(issue(code, Location(m["document"] or Path(r.entry).name, None, m["line"], m["concept"] or None),
                             arelle_code=m["code"], message=m["message"], concept=m["concept"] or "-",
                             context=m["context"] or "-"))
    return out
