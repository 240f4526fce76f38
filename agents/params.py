"""Generic parameter machinery for scenarios: ranges, validation, CLI overrides, listing.

Scenarios are nested frozen dataclasses. A field declares what it allows through metadata::

    @dataclass(frozen=True)
    class Cohort:
        count: int = param(100, 0, 100_000, doc="number of agents")
        rate: float = param(1.0, 0.0, 10.0, doc="orders per agent per minute")
        style: str = param("market", choices=("market", "limit"))

Addresses are dotted paths from the root scenario: field names; inside a tuple of dataclasses
the element's ``name`` (or its integer index); inside a dict the key, e.g.
``population.momentum.count`` or ``shocks.deepseek.size``.

Values from the command line are parsed as data (numbers, true/false, none, strings, JSON); nothing
is ever evaluated as code. Every bad parameter raises :class:`ParamError` with a one-line message
naming the dotted path, what is allowed and what was given.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
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
    "parse_value",
    "override",
    "apply_overrides",
    "to_dict",
    "describe",
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
    if _is_number(default) and not _in_range(default, spec):
        raise ParamError(f"param: default must be{_range_text(spec)} (got {_short(default)})")
    if spec.choices is not None and default is not None and not isinstance(default, tuple):
        if default not in spec.choices:
            raise ParamError(
                f"param: default must be one of: {_choices_text(spec)} (got {_short(default)})"
            )
    if isinstance(default, (list, dict, set)) or _is_dc_instance(default):
        factory = functools.partial(copy.deepcopy, default)
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


# --------------------------------------------------------------------------------------------
# Type helpers


def _tuple_elem_types(value, tp, args, spec, path) -> list:
    """Element types of a tuple value: tuple[X, ...], a fixed tuple[X, Y] or a bare tuple."""
    if len(args) == 2 and args[1] is Ellipsis:
        return [args[0]] * len(value)
    if args and args != ((),):
        if len(value) != len(args):
            raise _type_error(path, tp, spec, value)
        return list(args)
    return [Any] * len(value)


def _is_dc_instance(obj) -> bool:
    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)


def _is_dc_class(tp) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_union(tp) -> bool:
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


def _field_types(obj_or_cls) -> dict[str, Any]:
    cls = obj_or_cls if isinstance(obj_or_cls, type) else type(obj_or_cls)
    return _hints(cls)


def _spec(f: dataclasses.Field) -> ParamSpec | None:
    return f.metadata.get(PARAM_KEY)


def _type_name(tp) -> str:
    if tp is Any:
        return "any"
    if tp is type(None):
        return "None"
    if isinstance(tp, type) and typing.get_origin(tp) is None:
        return tp.__name__
    if _is_union(tp):
        return " | ".join(_type_name(a) for a in typing.get_args(tp))
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if origin is not None and args:
        inner = ", ".join("..." if a is Ellipsis else _type_name(a) for a in args)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]"
    return str(tp).replace("typing.", "")


# --------------------------------------------------------------------------------------------
# Messages


def _short(value) -> str:
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= _REPR_MAX else text[: _REPR_MAX - 3] + "..."


def _join(path: str, part) -> str:
    return f"{path}.{part}" if path else str(part)


def _in_range(value, spec: ParamSpec | None) -> bool:
    if spec is None:
        return True
    if spec.lo is not None and not value >= spec.lo:  # `not >=` also rejects NaN
        return False
    if spec.hi is not None and not value <= spec.hi:
        return False
    return True


def _range_text(spec: ParamSpec | None) -> str:
    if spec is None or (spec.lo is None and spec.hi is None):
        return ""
    if spec.lo is not None and spec.hi is not None:
        return f" in [{spec.lo}, {spec.hi}]"
    if spec.lo is not None:
        return f" >= {spec.lo}"
    return f" <= {spec.hi}"


def _choices_text(spec: ParamSpec) -> str:
    return ", ".join(_show(c) for c in spec.choices)


def _allowed(tp, spec: ParamSpec | None) -> str:
    """Human description of what a field of type ``tp`` with ``spec`` accepts."""
    if _is_union(tp):
        args = typing.get_args(tp)
        parts = [_allowed(a, spec) for a in args if a is not type(None)]
        if type(None) in args:
            parts.append("none")
        return " or ".join(parts)
    if spec is not None and spec.choices is not None and tp is not bool:
        if typing.get_origin(tp) is tuple:
            return f"a tuple of values from: {_choices_text(spec)}"
        return f"one of: {_choices_text(spec)}"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is bool:
        return "true or false"
    if tp is int:
        return "an integer" + _range_text(spec)
    if tp is float:
        return "a number" + _range_text(spec)
    if tp is str:
        return "a string"
    if origin is typing.Literal:
        return "one of: " + ", ".join(_show(a) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_type_name(args[0])}{_range_text(spec)}"
        if args:
            return f"a list of {len(args)} values ({', '.join(_type_name(a) for a in args)})"
        return "a list"
    if origin in (list, dict) or tp in (list, dict):
        return f"a {_type_name(tp)}"
    if _is_dc_class(tp):
        return f"a {tp.__name__}"
    return f"a {_type_name(tp)}"


def _type_error(path: str, tp, spec, value) -> ParamError:
    return ParamError(f"{path}: must be {_allowed(tp, spec)} (got {_short(value)})", path)


# --------------------------------------------------------------------------------------------
# Validation


def validate(obj, path: str = "") -> None:
    """Check every field of the dataclass tree ``obj`` against its declared type and range.

    Recurses into nested dataclasses, tuples (element path: the item's ``name`` if it has one,
    else its index) and dicts (element path: the key). Raises :class:`ParamError` naming the
    full dotted path of the first bad field.
    """
    if not _is_dc_instance(obj):
        where = path or "<root>"
        raise ParamError(f"{where}: must be a dataclass instance (got {_short(obj)})", where)
    _validate_dc(obj, path)


def _validate_dc(obj, path: str) -> None:
    hints = _field_types(obj)
    for f in dataclasses.fields(obj):
        _check(getattr(obj, f.name), hints.get(f.name, Any), _spec(f), _join(path, f.name))


def _element_part(item, index: int):
    name = getattr(item, "name", None)
    return name if isinstance(name, str) and name else index


def _check_sequence(value, elem_types, spec, path: str) -> None:
    seen = set()
    for i, (item, tp) in enumerate(zip(value, elem_types, strict=True)):
        part = _element_part(item, i) if _is_dc_instance(item) else i
        if isinstance(part, str):
            if part in seen:
                raise ParamError(f"{path}: duplicate element name {part!r}", path)
            seen.add(part)
        _check(item, tp, spec, _join(path, part))


def _check(value, tp, spec: ParamSpec | None, path: str) -> None:
    if _is_union(tp):
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
                raise _type_error(path, tp, spec, value) from None
            return
        for member in members:
            try:
                _check(value, member, spec, path)
                return
            except ParamError:
                continue
        raise _type_error(path, tp, spec, value)

    origin, args = typing.get_origin(tp), typing.get_args(tp)

    if tp is Any or isinstance(tp, (str, typing.TypeVar)):
        # Unknown declared type: still look inside containers for dataclasses.
        if _is_dc_instance(value):
            _validate_dc(value, path)
        elif isinstance(value, tuple):
            _check_sequence(value, [Any] * len(value), None, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check(item, Any, None, _join(path, key))
        return

    if _is_dc_class(tp):
        if not isinstance(value, tp):
            raise _type_error(path, tp, spec, value)
        _validate_dc(value, path)
        return

    if origin is typing.Literal:
        if not any(type(value) is type(a) and value == a for a in args):
            raise _type_error(path, tp, spec, value)
        return

    if tp is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise _type_error(path, tp, spec, value)
        return
    if tp is int:
        if not _is_int(value) or not _in_range(value, spec):
            raise _type_error(path, tp, spec, value)
        _check_choices(value, tp, spec, path)
        return
    if tp is float:
        if not _is_number(value) or not _in_range(value, spec):
            raise _type_error(path, tp, spec, value)
        _check_choices(value, tp, spec, path)
        return
    if tp is str:
        if not isinstance(value, str):
            raise _type_error(path, tp, spec, value)
        _check_choices(value, tp, spec, path)
        return

    if origin is tuple or tp is tuple:
        if not isinstance(value, tuple):
            raise _type_error(path, tp, spec, value)
        elem_types = _tuple_elem_types(value, tp, args, spec, path)
        _check_sequence(value, elem_types, spec, path)
        return

    if origin is list or tp is list:
        if not isinstance(value, list):
            raise _type_error(path, tp, spec, value)
        elem = args[0] if args else Any
        _check_sequence(value, [elem] * len(value), spec, path)
        return

    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise _type_error(path, tp, spec, value)
        key_tp, val_tp = args if len(args) == 2 else (Any, Any)
        for key, item in value.items():
            if key_tp is str and not isinstance(key, str):
                raise ParamError(f"{path}: keys must be strings (got {_short(key)})", path)
            _check(item, val_tp, spec, _join(path, key))
        return

    check_tp = origin if origin is not None else tp
    if isinstance(check_tp, type) and not isinstance(value, check_tp):
        raise _type_error(path, tp, spec, value)


def _check_choices(value, tp, spec: ParamSpec | None, path: str) -> None:
    if spec is not None and spec.choices is not None and value not in spec.choices:
        raise _type_error(path, tp, spec, value)


# --------------------------------------------------------------------------------------------
# Parsing command-line values


def parse_value(text: str):
    """Parse a command-line value as data, never as code.

    Recognised, in order: empty text -> ``""``; ``true``/``false`` (any case) -> bool;
    ``none``/``null`` -> None; text starting with ``[`` or ``{`` -> JSON; a quoted string ->
    its contents; an int; a float; anything else -> the text itself.
    """
    if not isinstance(text, str):
        raise ParamError(f"parse_value: expected a string (got {_short(text)})")
    s = text.strip()
    if not s:
        return ""
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if s[0] in "[{":
        if _nesting(s) > MAX_NESTING:
            raise ParamError(f"JSON nested deeper than {MAX_NESTING} levels (got {_short(s)})")
        try:
            return json.loads(s)
        except json.JSONDecodeError as exc:
            raise ParamError(
                f"invalid JSON: {exc.msg} at column {exc.colno} (got {_short(s)})"
            ) from None
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'":
        return s[1:-1]
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        return s


#: deepest JSON a value may nest (no scenario field nests more than a few levels)
MAX_NESTING = 16


def _nesting(text: str) -> int:
    """Deepest bracket nesting of JSON text, counted outside strings (no recursion)."""
    depth = deepest = 0
    in_str = escaped = False
    for ch in text:
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


# --------------------------------------------------------------------------------------------
# Overrides


def override(obj, path: str, value):
    """Return a copy of the dataclass tree ``obj`` with the field at dotted ``path`` set.

    ``value`` is coerced to the field's declared type when that is lossless (``2`` -> ``2.0``
    for floats, ``2.0`` -> ``2`` for ints, lists -> tuples, dicts -> dataclasses); otherwise, or
    when the result fails :func:`validate`, :class:`ParamError` is raised. ``obj`` is unchanged.
    """
    return _override(obj, path, value, raw=None)


def apply_overrides(obj, assignments: list[str]):
    """Apply ``PATH=VALUE`` strings in order (values parsed by :func:`parse_value`).

    For string fields the value's text is kept as written, so ``label=2025`` sets ``"2025"``.
    """
    for assignment in assignments:
        if not isinstance(assignment, str) or "=" not in assignment:
            raise ParamError(f"{_short(assignment)}: expected PATH=VALUE")
        path, _, text = assignment.partition("=")
        path = path.strip()
        if not path:
            raise ParamError(f"{_short(assignment)}: empty PATH in PATH=VALUE")
        try:
            value = parse_value(text)
        except ParamError as exc:
            raise ParamError(f"{path}: {exc}", path) from None
        obj = _override(obj, path, value, raw=text)
    return obj


def _override(obj, path: str, value, raw: str | None):
    if not _is_dc_instance(obj):
        raise ParamError(f"<root>: must be a dataclass instance (got {_short(obj)})")
    if not isinstance(path, str) or not path.strip():
        raise ParamError(f"{_short(path)}: empty parameter path")
    parts = [p.strip() for p in path.split(".")]
    if any(not p for p in parts):
        raise ParamError(f"{path}: empty element in parameter path")
    result = _set(obj, type(obj), None, parts, "", value, raw)
    validate(result)
    return result


def _set(node, tp, spec, parts: list[str], prefix: str, value, raw):
    """Return ``node`` with ``parts`` set to ``value``; ``tp`` is the declared type of ``node``.

    A mapping set on a dataclass changes the fields it names and keeps the others as they are
    in ``node`` (the scenario's values, not the class defaults).
    """
    if not parts:
        if _is_dc_instance(node) and isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ParamError(f"{prefix}: keys must be field names (got {_short(key)})",
                                     prefix)
                node = _set(node, type(node), spec, [key], prefix, item, None)
            return node
        return _coerce_leaf(value, tp, spec, prefix, raw)
    part, rest = parts[0], parts[1:]
    here = _join(prefix, part)

    if _is_dc_instance(node):
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields:
            allowed = ", ".join(fields)
            raise ParamError(f"{here}: unknown field; allowed: {allowed}", here)
        f = fields[part]
        if not f.init:
            raise ParamError(f"{here}: derived field, cannot be set", here)
        child_tp = _field_types(node).get(part, Any)
        new_child = _set(getattr(node, part), child_tp, _spec(f), rest, here, value, raw)
        try:
            return dataclasses.replace(node, **{part: new_child})
        except ParamError:
            raise
        except (TypeError, ValueError) as exc:
            raise ParamError(f"{here}: {exc}", here) from None

    tp = _strip_optional(tp)

    if isinstance(node, tuple):
        index = _tuple_index(node, part, here)
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            elem_tp = args[0]
        elif args and len(args) == len(node):
            elem_tp = args[index]
        else:
            elem_tp = Any
        new_item = _set(node[index], elem_tp, spec, rest, here, value, raw)
        return node[:index] + (new_item,) + node[index + 1 :]

    if isinstance(node, Mapping):
        if part not in node:
            allowed = ", ".join(str(k) for k in node) or "(none)"
            raise ParamError(f"{here}: unknown key; allowed: {allowed}", here)
        args = typing.get_args(tp)
        val_tp = args[1] if len(args) == 2 else Any
        new = dict(node)
        new[part] = _set(node[part], val_tp, spec, rest, here, value, raw)
        return new

    where = prefix or "<root>"
    raise ParamError(
        f"{here}: cannot address {part!r} inside {where}, which is {_short(node)}", here
    )


def _strip_optional(tp):
    if _is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return tp


def _tuple_index(node: tuple, part: str, here: str) -> int:
    for i, item in enumerate(node):
        if _is_dc_instance(item) and getattr(item, "name", None) == part:
            return i
    if part.isdigit() and int(part) < len(node):
        return int(part)
    names = [getattr(item, "name", None) for item in node if _is_dc_instance(item)]
    names = [n for n in names if isinstance(n, str) and n]
    if node:
        indices = f"index 0..{len(node) - 1}"
        allowed = f"{', '.join(names)} or {indices}" if names else indices
    else:
        allowed = "(none: empty)"
    raise ParamError(f"{here}: unknown element; allowed: {allowed}", here)


def _is_str_type(tp) -> bool:
    tp = _strip_optional(tp)
    if tp is str:
        return True
    if typing.get_origin(tp) is typing.Literal:
        return all(isinstance(a, str) for a in typing.get_args(tp))
    return False


def _coerce_leaf(value, tp, spec, path: str, raw):
    if raw is not None and value is not None and not isinstance(value, str) and _is_str_type(tp):
        # Keep string fields as typed: `label=2025` means "2025", not 2025.
        value = raw.strip()
    return _coerce(value, tp, spec, path)


def _coerce(value, tp, spec, path: str):
    """Convert ``value`` to declared type ``tp`` without loss, else raise :class:`ParamError`."""
    if tp is Any or isinstance(tp, (str, typing.TypeVar)):
        return value

    if _is_union(tp):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise _type_error(path, tp, spec, value)
        members = [a for a in args if a is not type(None)]
        exact = [m for m in members if isinstance(m, type) and type(value) is m]
        for member in exact + [m for m in members if m not in exact]:
            try:
                return _coerce(value, member, spec, path)
            except ParamError:
                continue
        raise _type_error(path, tp, spec, value)

    if isinstance(value, np.generic):
        value = value.item()
    origin, args = typing.get_origin(tp), typing.get_args(tp)

    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _type_error(path, tp, spec, value)
    if tp is int:
        if _is_int(value):
            return int(value)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        raise _type_error(path, tp, spec, value)
    if tp is float:
        if _is_number(value):
            return float(value)
        raise _type_error(path, tp, spec, value)
    if tp is str:
        if isinstance(value, str):
            return value
        raise _type_error(path, tp, spec, value)
    if origin is typing.Literal:
        for a in args:
            if value == a and type(value) is type(a):
                return a
        raise _type_error(path, tp, spec, value)

    if origin is tuple or tp is tuple:
        if not isinstance(value, (list, tuple)):
            raise _type_error(path, tp, spec, value)
        elem_types = _tuple_elem_types(value, tp, args, spec, path)
        return tuple(
            _coerce(item, et, spec, _join(path, i))
            for i, (item, et) in enumerate(zip(value, elem_types, strict=True))
        )

    if origin is list or tp is list:
        if not isinstance(value, (list, tuple)):
            raise _type_error(path, tp, spec, value)
        elem = args[0] if args else Any
        return [_coerce(item, elem, spec, _join(path, i)) for i, item in enumerate(value)]

    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise _type_error(path, tp, spec, value)
        key_tp, val_tp = args if len(args) == 2 else (Any, Any)
        out = {}
        for key, item in value.items():
            if key_tp is str and not isinstance(key, str):
                raise ParamError(f"{path}: keys must be strings (got {_short(key)})", path)
            out[key] = _coerce(item, val_tp, spec, _join(path, key))
        return out

    if _is_dc_class(tp):
        if isinstance(value, tp):
            return value
        if isinstance(value, Mapping):
            return _from_dict(tp, value, path)
        raise _type_error(path, tp, spec, value)

    check_tp = origin if origin is not None else tp
    if isinstance(check_tp, type) and not isinstance(value, check_tp):
        raise _type_error(path, tp, spec, value)
    return value


def _from_dict(cls, data: Mapping, path: str):
    """Build dataclass ``cls`` from ``data``; fields not given take their defaults."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = _hints(cls)
    kwargs = {}
    for key, item in data.items():
        here = _join(path, key)
        if key not in fields:
            raise ParamError(f"{here}: unknown field; allowed: {', '.join(fields)}", here)
        kwargs[key] = _coerce(item, hints.get(key, Any), _spec(fields[key]), here)
    try:
        return cls(**kwargs)
    except ParamError:
        raise
    except (TypeError, ValueError) as exc:
        where = path or "<root>"
        raise ParamError(f"{where}: cannot build {cls.__name__}: {exc}", where) from None


# --------------------------------------------------------------------------------------------
# Export and listing


def to_dict(obj):
    """JSON-friendly copy of a dataclass tree: dataclasses -> dicts (field order kept), tuples
    and lists -> lists, numpy scalars/arrays -> Python numbers/lists."""
    if _is_dc_instance(obj):
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


def _show(value) -> str:
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


def _explain(tp, spec: ParamSpec | None) -> str:
    text = _type_name(tp)
    if spec is not None:
        text += _range_text(spec)
        if spec.choices is not None:
            text += f", one of: {_choices_text(spec)}"
        if spec.doc:
            text += f"; {spec.doc}"
    return text


def describe(cls_or_obj) -> list[tuple[str, str, str]]:
    """Rows ``(dotted path, value, allowed range and doc)`` for every leaf field.

    A class is described through its default instance; an instance through its current values.
    Tuples of dataclasses and dicts of dataclasses are expanded element by element.
    """
    if _is_dc_class(cls_or_obj):
        try:
            obj = cls_or_obj()
        except (TypeError, ValueError) as exc:
            raise ParamError(f"{cls_or_obj.__name__}: cannot build defaults: {exc}") from None
    elif _is_dc_instance(cls_or_obj):
        obj = cls_or_obj
    else:
        raise ParamError(f"<root>: must be a dataclass or instance (got {_short(cls_or_obj)})")
    rows: list[tuple[str, str, str]] = []
    _describe_dc(obj, "", rows)
    return rows


def _describe_dc(obj, path: str, rows: list) -> None:
    hints = _field_types(obj)
    for f in dataclasses.fields(obj):
        _describe(getattr(obj, f.name), hints.get(f.name, Any), _spec(f), _join(path, f.name), rows)


def _describe(value, tp, spec, path: str, rows: list) -> None:
    if _is_dc_instance(value):
        _describe_dc(value, path, rows)
        return
    if isinstance(value, tuple) and value and all(_is_dc_instance(v) for v in value):
        for i, item in enumerate(value):
            _describe_dc(item, _join(path, _element_part(item, i)), rows)
        return
    if isinstance(value, Mapping) and value and all(_is_dc_instance(v) for v in value.values()):
        for key, item in value.items():
            _describe_dc(item, _join(path, key), rows)
        return
    rows.append((path, _show(value), _explain(tp, spec)))
