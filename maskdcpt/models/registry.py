"""A small explicit backbone registry (timm-style): create_backbone("nafnet", width=32, ...)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.errors import BackboneArgumentError, UnknownBackboneError

_BACKBONES: dict[str, Callable[..., RestorationBackbone]] = {}
_ALIASES: dict[str, str] = {}


def register_backbone(name: str, aliases: tuple[str, ...] = ()) -> Callable[[type], type]:
    """Class decorator: make a backbone constructible by `name` (and by official class names)."""

    def decorate(cls: type) -> type:
        if name in _BACKBONES:
            raise ValueError(f"backbone {name!r} is registered twice")
        _BACKBONES[name] = cls
        for alias in aliases:
            _ALIASES[alias.lower()] = name
        return cls

    return decorate


def resolve_backbone_name(name: str) -> str:
    """Canonical registry name for a name or official class name (case-insensitive)."""
    key = name.lower()
    if key in _BACKBONES:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownBackboneError(f"unknown backbone {name!r}; available: {', '.join(available_backbones())}")


def available_backbones() -> list[str]:
    """Names accepted by create_backbone, sorted."""
    return sorted(_BACKBONES)


def create_backbone(name: str, **kwargs: Any) -> RestorationBackbone:
    """Build a registered backbone; the official constructor kwargs flow straight through."""
    cls = _BACKBONES[resolve_backbone_name(name)]
    accepted = inspect.signature(cls).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise BackboneArgumentError(
            f"backbone {name!r} does not accept {', '.join(unknown)}; it takes {', '.join(accepted)}"
        )
    return cls(**kwargs)
