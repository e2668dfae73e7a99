"""The package's layout holds: no module uses another project module's private (``_name``) names,
no module imports the package root (``disclosure/__init__.py`` re-exports the API: importing it from
inside is an import upward), and the import contracts of pyproject.toml (the layers, no circles)
are kept.

Private names of third-party packages (xlsxwriter's, python-docx's …) are outside this check.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "disclosure"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its ``__init__``)."""
    out = {}
    for p in sorted(package.rglob("*.py")):
        parts = p.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


@dataclass(frozen=True)
class Use:
    importer: str
    owner: str       # the module whose name is used
    name: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} uses {self.owner}.{self.name}"


def _absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def private_uses(importer: str, source: str, known: set[str], is_package: bool = False) -> list[Use]:
    """Imports of, and attribute accesses to, other project modules' private names in ``source``
    (the module ``importer``): ``from m import _x``, ``m._x``, ``m.C._x`` and ``C._x`` for a class
    ``C`` imported from ``m``."""
    tree = ast.parse(source)
    root = next(iter(known)).split(".")[0]
    found: list[Use] = []
    names: dict[str, tuple[str, bool]] = {}   # local name → (project module it is or comes from, is it the module)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node.module, node.level, importer, is_package)
            if target.split(".")[0] != root:
                continue
            for a in node.names:
                full = f"{target}.{a.name}"
                if full in known:
                    names[a.asname or a.name] = (full, True)
                    continue
                if _private(a.name) and target != importer:
                    found.append(Use(importer, target, a.name, node.lineno))
                names[a.asname or a.name] = (target, False)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == root:   # `import m.n` binds m; `import m.n as x` binds m.n
                    names[a.asname or root] = (a.name if a.asname else root, True)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain: list[str] = []
        cur: ast.expr = node
        while isinstance(cur, ast.Attribute):
            chain.insert(0, cur.attr)
            cur = cur.value
        if not isinstance(cur, ast.Name) or cur.id not in names:
            continue
        owner, is_module = names[cur.id]
        k = 0
        while is_module and k < len(chain) and f"{owner}.{chain[k]}" in known:
            owner, k = f"{owner}.{chain[k]}", k + 1     # a submodule: still a module
        rest = chain[k:]
        if rest and _private(rest[-1]) and owner != importer:
            found.append(Use(importer, owner, ".".join(rest), node.lineno))
    return sorted(set(found), key=lambda u: (u.line, u.owner, u.name))


def test_no_module_uses_another_modules_private_names() -> None:
    known = set(modules())
    uses = [u for name, path in modules().items()
            for u in private_uses(name, path.read_text(encoding="utf-8"), known, path.name == "__init__.py")]
    assert [str(u) for u in uses] == []


KNOWN = {"disclosure", "disclosure.compute", "disclosure.compute.lines", "disclosure.compute.trace",
         "disclosure.ingest", "disclosure.ingest.inventory"}


@pytest.mark.parametrize(("source", "expected"), [
    ("from .lines import _ids\n", ["disclosure.compute.lines._ids"]),
    ("from . import lines\nx = lines._floats(s)\n", ["disclosure.compute.lines._floats"]),
    ("from ..compute import lines\nlines.Text._recode\n", ["disclosure.compute.lines.Text._recode"]),
    ("import disclosure.compute.lines\ndisclosure.compute.lines._NUM\n", ["disclosure.compute.lines._NUM"]),
    ("from ..ingest.inventory import TableData\nTableData._x\n", ["disclosure.ingest.inventory._x"]),
    ("from ..ingest import inventory as inv\ninv._mark_rejected(a, b)\n",
     ["disclosure.ingest.inventory._mark_rejected"]),
    # not private uses: public names, dunders, own names, objects that are not project modules
    ("from .lines import Text\nText.of(s)\n", []),
    ("from .. import __version__\n", []),
    ("def _own():\n    pass\n_own()\n", []),
    ("import xlsxwriter\nws._write_single_row(1)\nxlsxwriter._private\n", []),
])
def test_the_check_finds_private_uses(source: str, expected: list[str]) -> None:
    found = private_uses("disclosure.compute.trace", source, KNOWN)
    assert [f"{u.owner}.{u.name}" for u in found] == expected


def test_no_module_imports_the_package_root() -> None:
    """``disclosure/__init__.py`` imports the API, which imports everything: a module importing the
    root (``from .. import __version__``) imports upward. Only the root may use itself."""
    wrong = []
    for name, path in modules().items():
        if name == "disclosure":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _absolute(node.module, node.level, name, path.name == "__init__.py")
                if target == "disclosure" and any(f"disclosure.{a.name}" not in modules() for a in node.names):
                    wrong.append(f"{name}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name == "disclosure" for a in node.names):
                wrong.append(f"{name}:{node.lineno}")
    assert wrong == []


def test_the_import_contracts_are_kept() -> None:
    """The contracts of pyproject.toml ([tool.importlinter]), as `make lint` runs them."""
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    r = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout
