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


def release_freed_memory() -> None:
    """Give the system back the memory freed so far: glibc's heap (``malloc_trim``, on Linux) and
    the pages Arrow's memory pool keeps for reuse."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
            ctypes.CDLL(None).malloc_trim(0)
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
