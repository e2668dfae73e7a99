"""The factor library of a report folder: the dataset files the run used, copied into the pack, so
that re-performing the calculation never depends on the datasets installed later."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..core.issues import Issue
from ..factors import FactorLibrary
from ..factors.library import Dataset, read_dataset


def copy_library(library: FactorLibrary, dest: Path) -> list[Path]:
    """Write every dataset of ``library`` to ``dest`` as ``<id>@<version>.yaml`` (its bytes as read)."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for (ident, version), ds in sorted(library.datasets.items()):
        target = dest / f"{ident}@{version}.yaml"
        shutil.copyfile(ds.path, target)
        out.append(target)
    return out


def folder_library(folder: Path) -> tuple[FactorLibrary, list[Issue]]:
    """A library of exactly the dataset files in ``folder`` (no shipped datasets)."""
    datasets: dict[tuple[str, str], Dataset] = {}
    issues: list[Issue] = []
    for path in sorted(folder.glob("*.yaml")):
        ds, found = read_dataset(path.name, path.read_bytes(), str(path))
        issues += found
        if ds is not None:
            datasets[(ds.meta.id, ds.meta.version)] = ds
    return FactorLibrary(datasets), issues
