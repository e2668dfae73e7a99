"""Memory held once: columns that hold no value shared between the columns of a frame, and memory
freed by a stage given back to the system before the next.

**Blank columns.** An inventory leaves most optional columns out (the Scope 3 method columns, its
measured NCV, its own factors), and most lines of a trace leave a column of numbers empty (the
multipliers of a chain, a scenario's weight, an exchange rate): at a million rows each such column
is 8 MB of missing values, the demo's inventory 17 of them, its trace 12. ``Blanks`` gives every
such column of a frame one Series of missing values of its type. Under pandas' Copy-on-Write (always
on from pandas 3) a frame column made from it is a view that pandas copies on its first write, so
sharing it changes nothing a reader or a writer of the frame sees; without Copy-on-Write each
column gets its own values.

**Freed memory.** glibc keeps freed heap memory for later mallocs, and Arrow's allocator (mimalloc)
keeps the pages that its arrays freed: neither is used by the next stage's numpy arrays, which are
allocated apart. ``release_freed_memory`` gives both back.

**Large blocks.** glibc maps a block above its threshold on its own and unmaps it when freed, but
it raises that threshold to the size of each such block freed (up to 32 MB): after the first
columns are freed, later columns of a million rows (8 MB) come from the heap, and what they leave
when freed stays counted until a trim. ``map_large_blocks`` fixes the threshold, so a freed column
is given back at once; it acts on the whole process, so the command line sets it and a program that
embeds the library chooses for itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from typing import Any

import numpy as np
import pandas as pd


def _copy_on_write() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    with contextlib.suppress(KeyError, ValueError):
        return pd.get_option("mode.copy_on_write") is True
    return False


COPY_ON_WRITE = _copy_on_write()


def blank(dtype: Any, n: int) -> pd.Series:
    """A column of ``n`` missing values of type ``dtype`` (built by taking, not from a list of n
    Nones)."""
    return pd.Series(pd.Series([None], dtype=dtype).array.take(np.zeros(n, dtype=np.int64)), dtype=dtype)


class Blanks:
    """The blank columns of one frame of ``n`` rows: the same Series for every column of one type
    (see the module's doc), or a new one each time where pandas does not copy on write."""

    def __init__(self, n: int):
        self.n = n
        self._made: dict[str, pd.Series] = {}

    def of(self, dtype: Any) -> pd.Series:
        if not COPY_ON_WRITE:
            return blank(dtype, self.n)
        key = str(dtype)
        if key not in self._made:
            self._made[key] = blank(dtype, self.n)
        return self._made[key]


M_MMAP_THRESHOLD = -3       # mallopt's parameter (glibc's malloc.h)
LARGE_BLOCK = 1 << 20       # bytes: a column of 131,072 numbers


def map_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Have glibc map each block of ``threshold`` bytes or more apart (see the module's doc).
    Returns whether it did (False off glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
        return ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, threshold) == 1
    return False


def release_freed_memory() -> None:
    """Give the system back the memory freed so far: glibc's heap (``malloc_trim``, on Linux) and
    the pages Arrow's memory pool keeps for reuse."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
            ctypes.CDLL(None).malloc_trim(0)
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
