"""The bottom layer: issue records, source locations, units. Depends on nothing else in the package."""
