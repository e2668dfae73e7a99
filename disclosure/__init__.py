"""disclosure: a facility-level GHG inventory in, a CSDS No. 1 / IFRS S2 climate disclosure out."""

__version__ = "0.1.0"
