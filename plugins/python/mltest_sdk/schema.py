"""JSON Schema from a params dataclass, and the dataclass from params JSON.

The schema is what `describe` publishes: `mltest validate` checks a suite's
params against it, pointing at the suite file, before any check runs. Plain
stdlib, because the guest has no compiled extensions (pydantic's core is
one); the types cover what check params use.
"""

import dataclasses
import typing

__all__ = ["ArtifactName", "CommandName", "json_schema", "from_json"]


class ArtifactName(str):
    """The name of an artifact declared in the suite's `[artifacts]`: the
    runner refuses an undeclared one at its line."""


class CommandName(str):
    """The name of a command declared in the suite's `[commands]`."""


_SCALARS = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _schema(t, defs):
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if t is ArtifactName:
        return {"type": "string", "format": "mltest-artifact"}
    if t is CommandName:
        return {"type": "string", "format": "mltest-command"}
    if t in _SCALARS:
        return {"type": _SCALARS[t]}
    if origin is typing.Union:
        options = [a for a in args if a is not type(None)]
        if len(options) == 1 and len(args) == 2:
            return _schema(options[0], defs)
        return {"anyOf": [_schema(a, defs) for a in options]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is list and args:
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin is dict and len(args) == 2 and args[0] is str:
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if dataclasses.is_dataclass(t):
        return _object(t, defs)
    raise TypeError(f"params type {t!r} has no JSON Schema in mltest_sdk")


def _object(cls, defs):
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for f in dataclasses.fields(cls):
        schema = _schema(hints[f.name], defs)
        doc = f.metadata.get("doc")
        if doc:
            schema["description"] = doc
        no_default = (
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )
        if no_default:
            required.append(f.name)
        elif f.default is not dataclasses.MISSING and f.default is not None:
            schema["default"] = f.default
        properties[f.name] = schema
    out = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    if cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("):
        out["description"] = " ".join(cls.__doc__.split())
    return out


def json_schema(cls):
    """The JSON Schema (draft 2020-12) of params dataclass `cls`."""
    schema = _object(cls, {})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = cls.__name__
    return schema


def _value(t, v):
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    if v is None:
        return None
    if t in (ArtifactName, CommandName):
        return t(v)
    if t is float and isinstance(v, int):
        return float(v)
    if origin is typing.Union:
        options = [a for a in args if a is not type(None)]
        return _value(options[0], v) if len(options) == 1 else v
    if origin is list and args:
        return [_value(args[0], x) for x in v]
    if origin is dict and len(args) == 2:
        return {k: _value(args[1], x) for k, x in v.items()}
    if dataclasses.is_dataclass(t):
        return from_json(t, v)
    return v


def from_json(cls, data):
    """An instance of params dataclass `cls` from the suite's params (the
    runner has already validated them against `json_schema(cls)`)."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown parameter `{unknown[0]}`")
    return cls(**{k: _value(hints[k], v) for k, v in data.items()})
