"""Strict TOML tables on pydantic, and its validation errors as the one-sentence messages uir prints.

Recipes (uir_data.recipe) and training configs (maskdcpt.config) both declare their keys as `Table`
models; the caller prefixes the file name and renders the key path its own way.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

Location = tuple[str | int, ...]

# Plain words for pydantic's type errors (its own "Input should be a valid integer" names no key and no fix).
_EXPECTED = {
    "int_type": "an integer",
    "float_type": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
}


class Table(BaseModel):
    """A TOML table: every key declared and typed; no coercion ("256" is not an integer, true is not 1)."""

    # strict: TOML already gives typed values, so a string where a number belongs is the user's mistake.
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:
        # extra="forbid" alone reports each key apart and cannot say which keys exist.
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in set(data) - set(cls.model_fields))
            if unknown:
                known = sorted(cls.model_fields)
                close = difflib.get_close_matches(unknown[0], known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ValueError(f"unknown key(s) {unknown}{hint}; known keys: {known}")
        return data


def describe(error: Any) -> str:
    """One pydantic error in plain words, with the offending value."""
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got!r}"
    if kind == "missing":
        return "required but missing"
    if kind == "literal_error":  # pydantic says "'a', 'b' or 'c'"; uir has always printed the tuple
        return f"must be one of ({ctx['expected'].replace(' or ', ', ')}), got {got!r}"
    if kind == "greater_than":
        return f"must be positive, got {got!r}" if ctx["gt"] == 0 else f"must be > {ctx['gt']}, got {got!r}"
    bounds = {"greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
    if kind in bounds:
        return f"must be {bounds[kind]} {next(iter(ctx.values()))}, got {got!r}"
    if kind in ("too_short", "too_long"):
        size = ctx.get("min_length", ctx.get("max_length"))
        return f"must hold {'at least' if kind == 'too_short' else 'at most'} {size} item(s), got {got!r}"
    if kind == "value_error":  # our validators (unknown keys too): their message already names the fix
        return str(ctx["error"])
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {got!r}"


def first_problem(error: ValidationError) -> tuple[Location, str]:
    """Where the first error is (the key path, '[key]' markers dropped) and what is wrong there."""
    first = error.errors()[0]
    location = tuple(part for part in first["loc"] if part != "[key]")
    return location, describe(first)


def dotted(location: Location) -> str:
    """('data', 'betas', 0) -> 'data.betas[0]'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f"{'.' if text else ''}{part}"
    return text
