"""The kinds' compiled functions, compiled on first use: importing a kind imports no numba.

Listing scenarios, a scenario's definition and argument errors import the kinds' parameter
dataclasses, which live in the kinds' modules beside their compiled decisions; numba and the
kernels (agents/_kernels.py, market.compiled) take about a second to import, so a kind's module
imports neither. It writes its compiled functions as plain Python functions marked `@kernel`
and reads the kernels as ``K`` (``from ._jit import K, kernel``)::

    @kernel                  # njit(**agents._kernels.LEAF): inlined into its caller
    def decide(ex, inv, mk, i, t, call_phase):
        s, mid, b, a, size = K._situation(ex, inv, mk, i)
        ...

    @kernel("HOT")           # njit(**HOT); keywords add or override numba options
    def helper(...): ...

``K`` stands for agents._kernels: its constants (agents/_constants.py: ``K.BUY``, ``K.C_ARB``,
``K.SESSION_SECONDS``, ...) at once, so module-level constants, twins and build hooks read them
without numba; anything else of it (``K.uniform``, ``K.X``) loads the kernels.

`load()` runs once, the first time anything compiled is needed (the dispatch, a kernel called,
a kernel met by numba while compiling a caller): it imports numba and agents._kernels, makes
each marked function its njit dispatcher with the options recorded, and binds, in the globals of
every module that defines a kernel and of every module of agents.kinds, ``K`` to agents._kernels
and each marked function (a module's own or one it imported from another kind's module) to its
dispatcher, so compiled code sees numba's objects only. numba compiles and caches the Python
function itself (cache=True keys on its file and qualified name, as with ``@njit``); under
NUMBA_DISABLE_JIT the dispatchers are the Python functions. Kernels defined after a load (a kind
registered later) are bound at the next load, which compiling or dispatching them calls.

A reference taken before the load (``from agents.kinds.fundamental import decide``) is the
`Kernel` stand-in: calling it loads and calls the dispatcher, and numba compiling a caller
that reads it types it as that dispatcher (`Kernel._numba_type_`).
"""

from __future__ import annotations

import sys
from functools import update_wrapper

from .. import _constants

__all__ = ["K", "Kernel", "kernel", "load", "compiled"]

#: numba's option sets of agents._kernels a kernel may name
OPTIONS = ("ENTRY", "HOT", "LEAF")

_PENDING: list[Kernel] = []  # kernels not yet bound (made before the last load)
_KERNELS = None  # agents._kernels, once loaded


class Kernel:
    """A compiled function before the kernels are loaded: its Python function (`py_func`) and
    the numba options it compiles with (`options`: a set of agents._kernels', `njit_options`:
    keywords on top). Calling it calls its dispatcher (loading first); `dispatcher` is None
    until then."""

    def __init__(self, py_func, options: str = "LEAF", njit_options: dict | None = None):
        if options not in OPTIONS:
            raise ValueError(f"kernel options: one of {', '.join(OPTIONS)} (got {options!r})")
        self.py_func = py_func
        self.options = options
        self.njit_options = dict(njit_options or {})
        self.dispatcher = None
        update_wrapper(self, py_func)
        _PENDING.append(self)

    def compiled(self):
        """Its njit dispatcher (the Python function under NUMBA_DISABLE_JIT), loading first."""
        if self.dispatcher is None:
            load()
        return self.dispatcher

    def __call__(self, *args, **kwargs):
        return self.compiled()(*args, **kwargs)

    @property
    def _numba_type_(self):
        # numba's typeof of a global or free variable holding this stand-in: its dispatcher's
        from numba.core import types

        return types.Dispatcher(self.compiled())

    def __repr__(self) -> str:
        state = "unloaded" if self.dispatcher is None else "loaded"
        return f"<kernel {self.__module__}.{self.__qualname__} ({self.options}, {state})>"


def kernel(fn=None, /, options: str = "LEAF", **njit_options):
    """Mark a kind's function compiled, with agents._kernels' option set `options` (LEAF:
    inlined into its caller; HOT: a compiled-only function; ENTRY: callable from Python) and
    `njit_options` on top. ``@kernel``, ``@kernel("HOT")``, ``@kernel(options="HOT", ...)``.
    Returns its `Kernel` (its dispatcher once `load` has run)."""
    if callable(fn):
        return Kernel(fn, options, njit_options)
    if isinstance(fn, str):
        options = fn

    def mark(f):
        return Kernel(f, options, njit_options)

    return mark


class _Kernels:
    """agents._kernels as a kind's module sees it before the load (`K`): its constants
    (agents/_constants.py) at once; any other name loads the kernels."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(_constants, name)
        except AttributeError:
            return getattr(load(), name)

    def __repr__(self) -> str:
        return "<agents._kernels, not loaded yet>"


_STAND_IN = _Kernels()
K = _STAND_IN


def load():
    """Import numba and agents._kernels (once) and bind every kernel not yet bound (see the
    module docstring); return agents._kernels."""
    global _KERNELS
    if _KERNELS is not None and not _PENDING:
        return _KERNELS
    from numba import njit

    from .. import _kernels

    _KERNELS = _kernels
    todo = list(_PENDING)
    del _PENDING[:]
    try:
        for k in todo:
            k.dispatcher = njit(**dict(getattr(_kernels, k.options), **k.njit_options))(k.py_func)
    except BaseException:  # e.g. cache=True on a function without a file: the rest stay pending
        _PENDING[:0] = [k for k in todo if k.dispatcher is None]
        raise
    spaces = {id(k.py_func.__globals__): k.py_func.__globals__ for k in todo}
    package = __name__.rpartition(".")[0]
    for name, mod in list(sys.modules.items()):
        if mod is not None and (name == package or name.startswith(package + ".")):
            spaces.setdefault(id(vars(mod)), vars(mod))
    spaces.pop(id(globals()), None)  # this module's K stays the stand-in (it is compared with)
    for space in spaces.values():
        for name, value in list(space.items()):
            if value is _STAND_IN:
                space[name] = _kernels
            elif isinstance(value, Kernel) and value.dispatcher is not None:
                space[name] = value.dispatcher
    return _kernels


def compiled(fn):
    """`fn` as compiled code calls it: a `Kernel`'s dispatcher (loading first), else `fn`
    itself (an njit dispatcher, or a function under NUMBA_DISABLE_JIT)."""
    return fn.compiled() if isinstance(fn, Kernel) else fn
