"""Reading an inventory: the input contract, file readers, value parsers, the loader."""
