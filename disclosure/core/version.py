"""The tool's version, written into results.json, the manifest and the workpapers (one place; the
package root re-exports it)."""

__version__ = "0.1.0"
