"""Emission factors and GWPs as versioned data files with their sources (see datasets/README.md)."""

from disclosure.factors.library import (
    Dataset,
    DatasetMeta,
    FactorLibrary,
    folder_library,
    load_library,
    load_provinces,
    normalise_gas,
)

__all__ = [
    "Dataset",
    "DatasetMeta",
    "FactorLibrary",
    "folder_library",
    "load_library",
    "load_provinces",
    "normalise_gas",
]
