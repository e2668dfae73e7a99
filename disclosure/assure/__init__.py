"""The assurance pack: workpapers, the manifest, re-performance (``verify``), run-to-run
explanations (``diff``) and year-over-year figures with the base-year check (``years``)."""
