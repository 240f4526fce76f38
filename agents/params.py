"""Parameters' declarations: each field's type, allowed range and doc, and their checking.

Scenarios, populations, kinds and shocks are nested frozen dataclasses. A field declares what it
allows through metadata::

    @dataclass(frozen=True)
    class Cohort:
        count: int = param(100, 0, 100_000, doc="number of agents")
        rate: float = param(1.0, 0.0, 10.0, doc="orders per agent per minute")
        style: str = param("market", choices=("market", "limit"))

:func:`validate` checks a dataclass tree against those declarations; every bad parameter raises
:class:`ParamError` with a one-line message naming the dotted path (field names; inside a tuple
of dataclasses the element's ``name`` or its index; inside a dict the key, e.g.
``population.momentum.count`` or ``shocks.deepseek.size``), what is allowed and what was given.
:func:`to_dict` exports a tree as JSON-friendly data.

Setting fields from text (``--set PATH=VALUE``) and listing them (``selloff fields``) is the
scenarios' business: scenarios/library/overrides.py, built on the helpers at the end of
``__all__`` (the types, specs and messages of fields).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import numbers
import types
import typing
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "ParamError",
    "ParamSpec",
    "PARAM_KEY",
    "field_range",
    "param",
    "validate",
    "to_dict",
    # for tools that read or set fields (scenarios.library.overrides)
    "field_types",
    "spec_of",
    "type_name",
    "type_error",
    "range_text",
    "choices_text",
    "short_repr",
    "show_value",
    "join_path",
    "element_part",
    "tuple_element_types",
    "is_dataclass_instance",
    "is_dataclass_class",
    "is_number",
    "is_int",
    "is_union",
]

#: Key under which a field's :class:`ParamSpec` is stored in ``dataclasses.field(metadata=...)``.
PARAM_KEY = "selloff.param"

_MISSING = object()
_REPR_MAX = 80


class ParamError(ValueError):
    """A parameter is unknown, of the wrong type or out of range.

    The message is always a single line: ``<dotted.path>: <what is allowed> (got <value>)``.
    """

    def __init__(self, message: str, path: str = ""):
        message = " ".join(str(message).split())
        super().__init__(message)
        self.path = path


@dataclasses.dataclass(frozen=True)
class ParamSpec:
    """What a field allows: inclusive bounds ``lo``/``hi`` (None = open), optional choices."""

    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    doc: str = ""


def field_range(lo=None, hi=None, *, choices=None, doc: str = "") -> dict:
    """Metadata dict for ``dataclasses.field(metadata=...)`` declaring a field's allowed values.

    Bounds are inclusive; ``None`` leaves that side open. ``choices`` restricts the value to a
    fixed set (for tuple fields: every element).
    """
    for name, bound in (("lo", lo), ("hi", hi)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, numbers.Real)):
            raise ParamError(f"field_range: {name} must be a number or None (got {bound!r})")
    if lo is not None and hi is not None and lo > hi:
        raise ParamError(f"field_range: lo must be <= hi (got lo={lo!r}, hi={hi!r})")
    if choices is not None:
        if isinstance(choices, str) or not isinstance(choices, typing.Iterable):
            raise ParamError(f"field_range: choices must be a sequence (got {choices!r})")
        choices = tuple(choices)
        if not choices:
            raise ParamError("field_range: choices must not be empty")
    return {PARAM_KEY: ParamSpec(lo=lo, hi=hi, choices=choices, doc=doc)}


def param(default, lo=None, hi=None, *, choices=None, doc: str = ""):
    """``dataclasses.field`` with ``default`` and range metadata (see :func:`field_range`).

    Dataclass instances, lists, dicts and sets are supplied through a ``default_factory`` so
    instances never share a mutable default. A numeric default outside ``[lo, hi]`` or a default
    not among ``choices`` raises :class:`ParamError` when the class is defined.
    """
    metadata = field_range(lo, hi, choices=choices, doc=doc)
    spec = metadata[PARAM_KEY]
    if is_number(default) and not _in_range(default, spec):
        raise ParamError(f"param: default must be{range_text(spec)} (got {short_repr(default)})")
    if spec.choices is not None and default is not None and not isinstance(default, tuple):
        if default not in spec.choices:
            raise ParamError(
                f"param: default must be one of: {choices_text(spec)} (got {short_repr(default)})"
            )
    if isinstance(default, (list, dict, set)) or is_dataclass_instance(default):
        factory = functools.partial(copy.deepcopy, default)
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


# --------------------------------------------------------------------------------------------
# Type helpers


def tuple_element_types(value, tp, args, spec, path) -> list:
    """Element types of a tuple value: tuple[X, ...], a fixed tuple[X, Y] or a bare tuple."""
    if len(args) == 2 and args[1] is Ellipsis:
        return [args[0]] * len(value)
    if args and args != ((),):
        if len(value) != len(args):
            raise type_error(path, tp, spec, value)
        return list(args)
    return [Any] * len(value)


def is_dataclass_instance(obj) -> bool:
    """A dataclass instance (not a class)."""
    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)


def is_dataclass_class(tp) -> bool:
    """A dataclass class."""
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def is_number(value) -> bool:
    """A real number, not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def is_int(value) -> bool:
    """An integer, not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_union(tp) -> bool:
    """A union type (``X | Y`` or ``Optional[X]``)."""
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


_SIMPLE_NAMES = {"int": int, "float": float, "bool": bool, "str": str, "None": type(None)}


@functools.cache
def _hints(cls) -> dict[str, Any]:
    """Resolved field types of a dataclass class; unresolvable annotations become ``Any``."""
    try:
        return typing.get_type_hints(cls)
    except Exception:  # local classes with string annotations: resolve per field below
        pass
    hints = {}
    for f in dataclasses.fields(cls):
        tp = f.type
        if isinstance(tp, str):
            tp = _SIMPLE_NAMES.get(tp.strip(), Any)
        hints[f.name] = tp
    return hints


def field_types(obj_or_cls) -> dict[str, Any]:
    """Resolved field types of a dataclass or its instance, by field name."""
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return _hints(cls)


def spec_of(f: dataclasses.Field) -> ParamSpec | None:
    """The field's declared :class:`ParamSpec`, or None if it declares none."""
    return f.metadata.get(PARAM_KEY)


def type_name(tp) -> str:
    """A type as a message shows it (``int``, ``tuple[str, ...]``, ``int | None``)."""
    if tp is Any:
        return "any"
    if tp is type(None):
        return "None"
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        return tp.__name__
    if is_union(tp):
        return " | ".join(type_name(a) for a in typing.get_args(tp))
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if origin is not None and args:
        inner = ", ".join("..." if a is Ellipsis else type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return str(tp).replace("typing.", "")


# --------------------------------------------------------------------------------------------
# Messages


def short_repr(value) -> str:
    """``repr`` of a value, cut to a message's length."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= _REPR_MAX else text[: _REPR_MAX - 3] + "..."


def join_path(path: str, part) -> str:
    """``path.part`` (``part`` alone at the root)."""
    return f"{path}.{part}" if path else str(part)


def _in_range(value, spec: ParamSpec | None) -> bool:
    if spec is None:
        return True
    if spec.lo is not None and not value >= spec.lo:  # `not >=` also rejects NaN
        return False
    if spec.hi is not None and not value <= spec.hi:
        return False
    return True


def range_text(spec: ParamSpec | None) -> str:
    """A spec's bounds as a message shows them (`` in [lo, hi]``, `` >= lo``), or ""."""
    if spec is None or (spec.lo is None and spec.hi is None):
        return ""
    if spec.lo is not None and spec.hi is not None:
        return f" in [{spec.lo}, {spec.hi}]"
    if spec.lo is not None:
        return f" >= {spec.lo}"
    return f" <= {spec.hi}"


def choices_text(spec: ParamSpec) -> str:
    """A spec's choices as typed on the command line, comma-separated."""
    return ", ".join(show_value(c) for c in spec.choices)


def _allowed(tp, spec: ParamSpec | None) -> str:
    """Human description of what a field of type ``tp`` with ``spec`` accepts."""
    if is_union(tp):
        args = typing.get_args(tp)
        parts = [_allowed(a, spec) for a in args if a is not type(None)]
        if type(None) in args:
            parts.append("none")
        return " or ".join(parts)
    if spec is not None and spec.choices is not None and tp is not bool:
        if typing.get_origin(tp) is tuple:
            return f"a tuple of values from: {choices_text(spec)}"
        return f"one of: {choices_text(spec)}"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer" + range_text(spec)
    if tp is float:
        return "a number" + range_text(spec)
    if tp is str:
        return "a string"
    if origin is typing.Literal:
        return "one of: " + ", ".join(show_value(a) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {type_name(args[0])}{range_text(spec)}"
        if args:
            return f"a list of {len(args)} values ({', '.join(type_name(a) for a in args)})"
        return "a list"
    if origin in (list, dict) or tp in (list, dict):
        return f"a {type_name(tp)}"
    if is_dataclass_class(tp):
        return f"a {tp.__name__}"
    return f"a {type_name(tp)}"


def type_error(path: str, tp, spec, value) -> ParamError:
    """The ParamError for ``value`` at ``path``: what type ``tp`` with ``spec`` allows."""
    return ParamError(f"{path}: must be {_allowed(tp, spec)} (got {short_repr(value)})", path)


# --------------------------------------------------------------------------------------------
# Validation


def validate(obj, path: str = "") -> None:
    """Check every field of the dataclass tree ``obj`` against its declared type and range.

    Recurses into nested dataclasses, tuples (element path: the item's ``name`` if it has one,
    else its index) and dicts (element path: the key). Raises :class:`ParamError` naming the
    full dotted path of the first bad field.
    """
    if not is_dataclass_instance(obj):
        where = path or "<root>"
        raise ParamError(f"{where}: must be a dataclass instance (got {short_repr(obj)})", where)
    _validate_dc(obj, path)


def _validate_dc(obj, path: str) -> None:
    hints = field_types(obj)
    for f in dataclasses.fields(obj):
        _check(getattr(obj, f.name), hints.get(f.name, Any), spec_of(f), join_path(path, f.name))


def element_part(item, index: int):
    """A tuple element's path part: its ``name`` if it has one, else its index."""
    name = getattr(item, "name", None)
    return name if isinstance(name, str) and name else index


def _check_sequence(value, elem_types, spec, path: str) -> None:
    seen = set()
    for i, (item, tp) in enumerate(zip(value, elem_types, strict=True)):
        part = element_part(item, i) if is_dataclass_instance(item) else i
        if isinstance(part, str):
            if part in seen:
                raise ParamError(f"{path}: duplicate element name {part!r}", path)
            seen.add(part)
        _check(item, tp, spec, join_path(path, part))


def _check(value, tp, spec: ParamSpec | None, path: str) -> None:
    if is_union(tp):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            try:
                _check(value, members[0], spec, path)
            except ParamError as exc:
                if exc.path != path:  # a nested field is bad: keep its message
                    raise
                raise type_error(path, tp, spec, value) from None
            return
        for member in members:
            try:
                _check(value, member, spec, path)
                return
            except ParamError:
                continue
        raise type_error(path, tp, spec, value)

    origin, args = typing.get_origin(tp), typing.get_args(tp)

    if tp is Any or isinstance(tp, (str, typing.TypeVar)):
        # Unknown declared type: still look inside containers for dataclasses.
        if is_dataclass_instance(value):
            _validate_dc(value, path)
        elif isinstance(value, tuple):
            _check_sequence(value, [Any] * len(value), None, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check(item, Any, None, join_path(path, key))
        return

    if is_dataclass_class(tp):
        if not isinstance(value, tp):
            raise type_error(path, tp, spec, value)
        _validate_dc(value, path)
        return

    if origin is typing.Literal:
        if not any(type(value) is type(a) and value == a for a in args):
            raise type_error(path, tp, spec, value)
        return

    if tp is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise type_error(path, tp, spec, value)
        return
    if tp is int:
        if not is_int(value) or not _in_range(value, spec):
            raise type_error(path, tp, spec, value)
        _check_choices(value, tp, spec, path)
        return
    if tp is float:
        if not is_number(value) or not _in_range(value, spec):
            raise type_error(path, tp, spec, value)
        _check_choices(value, tp, spec, path)
        return
    if tp is str:
        if not isinstance(value, str):
            raise type_error(path, tp, spec, value)
        _check_choices(value, tp, spec, path)
        return

    if origin is tuple or tp is tuple:
        if not isinstance(value, tuple):
            raise type_error(path, tp, spec, value)
        elem_types = tuple_element_types(value, tp, args, spec, path)
        _check_sequence(value, elem_types, spec, path)
        return

    if origin is list or tp is list:
        if not isinstance(value, list):
            raise type_error(path, tp, spec, value)
        elem = args[0] if args else Any
        _check_sequence(value, [elem] * len(value), spec, path)
        return

    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise type_error(path, tp, spec, value)
        key_tp, val_tp = args if len(args) == 2 else (Any, Any)
        for key, item in value.items():
            if key_tp is str and not isinstance(key, str):
                raise ParamError(f"{path}: keys must be strings (got {short_repr(key)})", path)
            _check(item, val_tp, spec, join_path(path, key))
        return

    check_tp = origin if origin is not None else tp
    if isinstance(check_tp, type) and not isinstance(value, check_tp):
        raise type_error(path, tp, spec, value)


def _check_choices(value, tp, spec: ParamSpec | None, path: str) -> None:
    if spec is not None and spec.choices is not None and value not in spec.choices:
        raise type_error(path, tp, spec, value)


# --------------------------------------------------------------------------------------------
# Export


def to_dict(obj):
    """JSON-friendly copy of a dataclass tree: dataclasses -> dicts (field order kept), tuples
    and lists -> lists, numpy scalars/arrays -> Python numbers/lists."""
    if is_dataclass_instance(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(item) for item in obj]
    if isinstance(obj, Mapping):
        return {str(key): to_dict(item) for key, item in obj.items()}
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def show_value(value) -> str:
    """A value as it would be typed on the command line."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(to_dict(value))
