"""Setting a scenario's fields from text and listing them: ``--set PATH=VALUE`` and
``selloff fields``.

A scenario (scenarios.library.scenario.Scenario) is a tree of frozen dataclasses whose fields
declare their types and ranges (agents.params). Addresses are dotted paths from the root: field
names; inside a tuple of dataclasses the element's ``name`` (or its integer index); inside a
dict the key, e.g. ``population.momentum.count`` or ``shocks.deepseek.size``.

Values from the command line are parsed as data (numbers, true/false, none, strings, JSON);
nothing is ever evaluated as code. Every bad parameter raises :class:`agents.params.ParamError`
with a one-line message naming the dotted path, what is allowed and what was given; the result
of an override is checked whole (:func:`agents.params.validate`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from collections.abc import Mapping
from typing import Any

import numpy as np

from agents.params import (
    ParamError,
    ParamSpec,
    choices_text,
    element_part,
    field_types,
    is_dataclass_class,
    is_dataclass_instance,
    is_int,
    is_number,
    is_union,
    join_path,
    range_text,
    short_repr,
    show_value,
    spec_of,
    tuple_element_types,
    type_error,
    type_name,
    validate,
)

__all__ = ["parse_value", "override", "apply_overrides", "describe", "MAX_NESTING"]


# --------------------------------------------------------------------------------------------
# Parsing command-line values


def parse_value(text: str):
    """Parse a command-line value as data, never as code.

    Recognised, in order: empty text -> ``""``; ``true``/``false`` (any case) -> bool;
    ``none``/``null`` -> None; text starting with ``[`` or ``{`` -> JSON; a quoted string ->
    its contents; an int; a float; anything else -> the text itself.
    """
    if not isinstance(text, str):
        raise ParamError(f"parse_value: expected a string (got {short_repr(text)})")
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
            raise ParamError(f"JSON nested deeper than {MAX_NESTING} levels (got {short_repr(s)})")
        try:
            return json.loads(s)
        except json.JSONDecodeError as exc:
            raise ParamError(
                f"invalid JSON: {exc.msg} at column {exc.colno} (got {short_repr(s)})"
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
            raise ParamError(f"{short_repr(assignment)}: expected PATH=VALUE")
        path, _, text = assignment.partition("=")
        path = path.strip()
        if not path:
            raise ParamError(f"{short_repr(assignment)}: empty PATH in PATH=VALUE")
        try:
            value = parse_value(text)
        except ParamError as exc:
            raise ParamError(f"{path}: {exc}", path) from None
        obj = _override(obj, path, value, raw=text)
    return obj


def _override(obj, path: str, value, raw: str | None):
    if not is_dataclass_instance(obj):
        raise ParamError(f"<root>: must be a dataclass instance (got {short_repr(obj)})")
    if not isinstance(path, str) or not path.strip():
        raise ParamError(f"{short_repr(path)}: empty parameter path")
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
        if is_dataclass_instance(node) and isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ParamError(f"{prefix}: keys must be field names (got {short_repr(key)})",
                                     prefix)
                node = _set(node, type(node), spec, [key], prefix, item, None)
            return node
        return _coerce_leaf(value, tp, spec, prefix, raw)
    part, rest = parts[0], parts[1:]
    here = join_path(prefix, part)

    if is_dataclass_instance(node):
        fields = {f.name: f for f in dataclasses.fields(node)}
        if part not in fields:
            allowed = ", ".join(fields)
            raise ParamError(f"{here}: unknown field; allowed: {allowed}", here)
        f = fields[part]
        if not f.init:
            raise ParamError(f"{here}: derived field, cannot be set", here)
        child_tp = field_types(node).get(part, Any)
        new_child = _set(getattr(node, part), child_tp, spec_of(f), rest, here, value, raw)
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
        f"{here}: cannot address {part!r} inside {where}, which is {short_repr(node)}", here
    )


def _strip_optional(tp):
    if is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return tp


def _tuple_index(node: tuple, part: str, here: str) -> int:
    for i, item in enumerate(node):
        if is_dataclass_instance(item) and getattr(item, "name", None) == part:
            return i
    if part.isdigit() and int(part) < len(node):
        return int(part)
    names = [getattr(item, "name", None) for item in node if is_dataclass_instance(item)]
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

    if is_union(tp):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise type_error(path, tp, spec, value)
        members = [a for a in args if a is not type(None)]
        exact = [m for m in members if isinstance(m, type) and type(value) is m]
        for member in exact + [m for m in members if m not in exact]:
            try:
                return _coerce(value, member, spec, path)
            except ParamError:
                continue
        raise type_error(path, tp, spec, value)

    if isinstance(value, np.generic):
        value = value.item()
    origin, args = typing.get_origin(tp), typing.get_args(tp)

    if tp is bool:
        if isinstance(value, bool):
            return value
        raise type_error(path, tp, spec, value)
    if tp is int:
        if is_int(value):
            return int(value)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        raise type_error(path, tp, spec, value)
    if tp is float:
        if is_number(value):
            return float(value)
        raise type_error(path, tp, spec, value)
    if tp is str:
        if isinstance(value, str):
            return value
        raise type_error(path, tp, spec, value)
    if origin is typing.Literal:
        for a in args:
            if value == a and type(value) is type(a):
                return a
        raise type_error(path, tp, spec, value)

    if origin is tuple or tp is tuple:
        if not isinstance(value, (list, tuple)):
            raise type_error(path, tp, spec, value)
        elem_types = tuple_element_types(value, tp, args, spec, path)
        return tuple(
            _coerce(item, et, spec, join_path(path, i))
            for i, (item, et) in enumerate(zip(value, elem_types, strict=True))
        )

    if origin is list or tp is list:
        if not isinstance(value, (list, tuple)):
            raise type_error(path, tp, spec, value)
        elem = args[0] if args else Any
        return [_coerce(item, elem, spec, join_path(path, i)) for i, item in enumerate(value)]

    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise type_error(path, tp, spec, value)
        key_tp, val_tp = args if len(args) == 2 else (Any, Any)
        out = {}
        for key, item in value.items():
            if key_tp is str and not isinstance(key, str):
                raise ParamError(f"{path}: keys must be strings (got {short_repr(key)})", path)
            out[key] = _coerce(item, val_tp, spec, join_path(path, key))
        return out

    if is_dataclass_class(tp):
        if isinstance(value, tp):
            return value
        if isinstance(value, Mapping):
            return _from_dict(tp, value, path)
        raise type_error(path, tp, spec, value)

    check_tp = origin if origin is not None else tp
    if isinstance(check_tp, type) and not isinstance(value, check_tp):
        raise type_error(path, tp, spec, value)
    return value


def _from_dict(cls, data: Mapping, path: str):
    """Build dataclass ``cls`` from ``data``; fields not given take their defaults."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = field_types(cls)
    kwargs = {}
    for key, item in data.items():
        here = join_path(path, key)
        if key not in fields:
            raise ParamError(f"{here}: unknown field; allowed: {', '.join(fields)}", here)
        kwargs[key] = _coerce(item, hints.get(key, Any), spec_of(fields[key]), here)
    try:
        return cls(**kwargs)
    except ParamError:
        raise
    except (TypeError, ValueError) as exc:
        where = path or "<root>"
        raise ParamError(f"{where}: cannot build {cls.__name__}: {exc}", where) from None



def _explain(tp, spec: ParamSpec | None) -> str:
    text = type_name(tp)
    if spec is not None:
        text += range_text(spec)
        if spec.choices is not None:
            text += f", one of: {choices_text(spec)}"
        if spec.doc:
            text += f"; {spec.doc}"
    return text


def describe(cls_or_obj) -> list[tuple[str, str, str]]:
    """Rows ``(dotted path, value, allowed range and doc)`` for every leaf field.

    A class is described through its default instance; an instance through its current values.
    Tuples of dataclasses and dicts of dataclasses are expanded element by element.
    """
    if is_dataclass_class(cls_or_obj):
        try:
            obj = cls_or_obj()
        except (TypeError, ValueError) as exc:
            raise ParamError(f"{cls_or_obj.__name__}: cannot build defaults: {exc}") from None
    elif is_dataclass_instance(cls_or_obj):
        obj = cls_or_obj
    else:
        raise ParamError(f"<root>: must be a dataclass or instance (got {short_repr(cls_or_obj)})")
    rows: list[tuple[str, str, str]] = []
    _describe_dc(obj, "", rows)
    return rows


def _describe_dc(obj, path: str, rows: list) -> None:
    hints = field_types(obj)
    for f in dataclasses.fields(obj):
        _describe(getattr(obj, f.name), hints.get(f.name, Any), spec_of(f),
                  join_path(path, f.name), rows)


def _describe(value, tp, spec, path: str, rows: list) -> None:
    if is_dataclass_instance(value):
        _describe_dc(value, path, rows)
        return
    if isinstance(value, tuple) and value and all(is_dataclass_instance(v) for v in value):
        for i, item in enumerate(value):
            _describe_dc(item, join_path(path, element_part(item, i)), rows)
        return
    if (isinstance(value, Mapping) and value
            and all(is_dataclass_instance(v) for v in value.values())):
        for key, item in value.items():
            _describe_dc(item, join_path(path, key), rows)
        return
    rows.append((path, show_value(value), _explain(tp, spec)))
