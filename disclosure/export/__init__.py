"""Exporters: leaves that read a computed results folder (``results.json`` through
``compute.results``, the trace through ``compute.trace``) and nothing upstream: the XBRL, the Word
report, the workpapers and the manifest. Shared here: how numbers are rounded and shown, so XBRL
and Word agree to the digit."""
