"""``python -m disclosure.export.xbrl [FOLDER]``: write the published copy of the extension taxonomy
package (default ``taxonomies``), generated from ``concepts.yaml``."""

import sys
from pathlib import Path

from .taxonomy import write_taxonomy

for path in write_taxonomy(Path(sys.argv[1] if len(sys.argv) > 1 else "taxonomies")):
    print(path)
