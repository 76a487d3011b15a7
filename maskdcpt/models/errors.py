"""Errors raised by the model code; UirError subclasses so the CLI prints one clear sentence."""

from __future__ import annotations

from uir_data.errors import UirError, UsageError


class UnknownBackboneError(UsageError, KeyError):
    """A backbone name that the registry does not know."""

    def __str__(self) -> str:  # KeyError would quote the message; print it plainly instead
        return str(self.args[0]) if self.args else ""


class BackboneArgumentError(UsageError, TypeError):
    """A constructor argument that the chosen backbone does not take, or an unsupported value."""


class InputShapeError(UsageError, ValueError):
    """An input or mask whose shape the network cannot process (e.g. not a multiple of size_multiple)."""


class OfficialWeightsError(UirError):
    """A checkpoint file that cannot be read or does not match the network's parameter names/shapes."""
