"""The `uir` distribution's own package: its version, and `python -m uir` (the same as the `uir` command)."""

from uir_data import __version__

__all__ = ["__version__"]
