"""Typed settings read from the environment, validated at start, printed without secrets.

Each service declares a frozen dataclass; `load(SettingsClass, "SCREENING_INGEST_")` fills every field
from `PREFIX + FIELD_NAME.upper()` when that variable is set, converts it to the field's type, and
raises `SettingsError` naming the variable and what it expected when it cannot.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message says which variable and what to set."""


def _convert(raw: str, kind: Any, var: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if raw == "":
            return None
        return _convert(raw, args[0], var)
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{var}={raw!r}: expected a boolean (true/false)")
    if kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            raise SettingsError(f"{var}={raw!r}: expected {'an integer' if kind is int else 'a number'}") from None
    if origin is tuple or kind is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load(cls: type[T], prefix: str, environ: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """Builds `cls` from the environment (and explicit overrides, which win)."""
    env = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        var = prefix + field.name.upper()
        if field.name in overrides:
            values[field.name] = overrides[field.name]
        elif var in env:
            values[field.name] = _convert(env[var], hints[field.name], var)
    try:
        settings = cls(**values)
    except TypeError as exc:
        raise SettingsError(f"{cls.__name__}: {exc}") from None
    validate = getattr(settings, "validate", None)
    if validate is not None:
        validate()
    return settings


def describe(settings: Any) -> dict[str, Any]:
    """The settings as a dict for the start-up log line, with secrets masked."""
    out = {}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if any(word in field.name for word in ("password", "secret", "token")):
            value = "***" if value else value
        out[field.name] = value
    return out


def require(condition: bool, message: str) -> None:
    if not condition:
        raise SettingsError(message)
