"""Exporters: leaves that read a computed results folder (``results.json``, the trace) and nothing
upstream. Shared here: how numbers are rounded and shown, so XBRL and Word agree to the digit."""
