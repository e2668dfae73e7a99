"""Shipped factor datasets (data files only). A package so that wheels carry the YAML files."""
