"""Write ``templates/report.docx``, the base Word template of the report.

    .venv/bin/python templates/build_base.py

The template is built by code (disclosure/export/word/base.py), so it is reviewable and the same
bytes every time; this file is the copy a company starts from to make its own branded template
(``disclosure word RESULTS --template my.docx``; ``disclosure word-vars my.docx`` lists what it reads
that the report does not provide). Change base.py and re-run this, never the .docx by hand.
"""

from __future__ import annotations

from pathlib import Path

from disclosure.export.word.base import build

if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "report.docx"
    out.write_bytes(build())
    print(out)
