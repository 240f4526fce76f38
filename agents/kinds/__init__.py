"""Investor kinds: one module per kind, one `register` call each, and the compiled dispatch the
loop reads, generated from the registry.

A kind's module holds its parameter dataclass (units and allowed ranges, `agents.params.param`),
its compiled decision function, a slow pure-Python twin of that function (the tests drive one
against the other), and its build hooks; its last statement registers it::

    from agents.kinds import K, kernel, register

    @kernel                                   # compiled at first use (agents/kinds/_jit.py)
    def decide(ex, inv, mk, i, t, call_phase):
        s, mid, b, a, size = K._situation(ex, inv, mk, i)
        ...
        return True, s, K.SELL, K.LIMIT, price, qty, K.M_VALUE, K.BID_SLOT

    SPEC = register("contrarian", columns=("size", "fade"), params=Contrarian,
                    decide=decide, twin=twin, homes=spread_homes, fill=fill)

(`spread_homes`: single-stock traders spread over the stocks by sqrt(market value); a kind
homed otherwise writes its own `homes(build, ks, c, rows)`.)

Importing a kind imports no numba (listing scenarios and a scenario's definition import the
kinds' parameters, and numba with the kernels takes a second): its compiled functions are plain
Python functions marked ``@kernel`` (agents._kernels' LEAF options: inlined into the caller;
``@kernel("HOT")``, ``@kernel("ENTRY")`` name the other sets, keywords add numba options), and
``K`` stands for agents._kernels (its helpers; ``K.X``, the exchange's compiled functions). K's
constants (``K.BUY``, ``K.C_ARB``: agents/_constants.py) are there at import, for module-level
constants, twins and build hooks; the rest once loaded. `load()`, which `dispatch` and the
first call of any kernel run, imports numba and the kernels and binds, in the kinds' modules,
``K`` to agents._kernels and each marked function to its njit dispatcher (agents/kinds/_jit.py).
A decision written with numba's ``@njit`` works as well (its module then imports numba).

What the registry does with it:

- **codes and columns**: the kind gets the next code (`Investors.kind`) and a `KindSchema` of
  its parameter columns (agents/schema.py); the built-in kinds register in `Kind`'s order, so
  their codes are `Kind`'s.
- **the compiled dispatch**: `dispatch(codes)` writes a small module (`_decide`: one branch per
  kind, calling each kind's `decide`; one `_send` call site for the order it returns) into a
  real file, so numba caches it, and binds the loop (`agents._kernels._run_ticks`) to it. The
  file's name is a hash of what the compiled code depends on (the kinds, their modules' and the
  kernels' sources): editing a kind writes a new file, which compiles anew.
- **building a world** (`agents.population.build_investors`): a population has a field per
  kind, named as the kind; each kind present gets its rows (`count`), then, kind by kind in code
  order, phase by phase: `homes` (stock and arrival rate), `fill` (parameter columns and other
  per-investor state), `endow` (starting shares and cash). Draws from the model's generator
  happen in that order, which fixes every run's numbers.

A decision function is called as ``decide(ex, inv, mk, i, t, call_phase)`` (the exchange's
state tuple, `Investors`, `Mkt`, the investor, the time in seconds, whether a call auction is
on) and returns at most one order as ``(send, stock, side, kind, price, qty, motive, slot)``
(ticks, shares, market.Motive, the investor's order slot), which the dispatch sends. A kind
that sends several orders (a fund's basket, a maker's ladder) sends them itself and returns
``send = False``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import schema as _schema
from . import _jit
from ._jit import K, Kernel, kernel, load

__all__ = ["KindSpec", "Build", "register", "kinds", "spec", "dispatch", "builtin_codes",
           "home_stocks", "load", "kernel", "Kernel", "K"]


@dataclass(frozen=True)
class KindSpec:
    """A registered kind: its code, name, parameter columns, parameters, decision and twin.

    Attributes:
        code: its code in `Investors.kind`.
        name: its label, also the name of a population's field for it.
        columns: its parameter columns (agents/schema.py `KindSchema`; "size" first).
        params: its parameter dataclass.
        decide: its compiled decision function (see the module docstring): a `kernel`
            (`_jit.compiled` gives its dispatcher) or an njit dispatcher.
        twin: its slow, pure-Python twin (the tests' reference).
        count: rows a population's parameters need, ``count(params, n_stocks)``.
        homes, fill, endow: build hooks, each ``hook(build, params, rows)`` (`Build`).
        builtin: registered by this package (always in the dispatch).
        lines: cache lines of its record its decision reads (1: parameters only; 2: also
            bias, conviction, capital, starting wealth, anchor, own flow): the loop asks for
            them with its position and resting orders a few arrivals before it decides.
    """

    code: int
    name: str
    columns: tuple[str, ...]
    params: type
    decide: Callable
    twin: Callable
    count: Callable
    homes: Callable | None
    fill: Callable | None
    endow: Callable | None
    builtin: bool
    lines: int = 1

    def column(self, name: str) -> int:
        """The column of parameter `name` in this kind's row of `Investors.par`."""
        return _schema.KindSchema(self.code, self.name, self.columns).column(name)


_KINDS: list[KindSpec] = []
_LOADING_BUILTINS = True  # the package's own modules are registering


def _count(params, n_stocks: int) -> int:
    return int(params.count)


def register(name: str, *, columns: tuple[str, ...], params: type, decide: Callable,
             twin: Callable, count: Callable = _count, homes: Callable | None = None,
             fill: Callable | None = None, endow: Callable | None = None,
             lines: int = 1) -> KindSpec:
    """Register a kind (its module's last statement); return its spec with its code.

    Raises ValueError naming the field when the name is taken or the columns are not 1 to N_PAR
    distinct names with "size" first.
    """
    sc = _schema._REGISTRY.register(name, tuple(columns))
    if _LOADING_BUILTINS and sc.code != int(_schema.Kind[name.upper()]):
        raise ValueError(f"{name}: built-in kinds register in Kind's order (code {sc.code})")
    if lines not in (1, 2):
        raise ValueError(f"lines: 1 or 2 (got {lines})")
    ks = KindSpec(sc.code, name, sc.columns, params, decide, twin, count, homes, fill, endow,
                  _LOADING_BUILTINS, lines)
    _KINDS.append(ks)
    return ks


def kinds() -> tuple[KindSpec, ...]:
    """Every registered kind, in code order."""
    return tuple(_KINDS)


def spec(kind) -> KindSpec:
    """The registered kind with code or name `kind`."""
    if isinstance(kind, str):
        return _KINDS[_schema._REGISTRY.code(kind)]
    return _KINDS[int(kind)]


def builtin_codes() -> tuple[int, ...]:
    """Codes of the kinds this package registers: every world's dispatch covers them."""
    return tuple(k.code for k in _KINDS if k.builtin)


class Build:
    """A population's arrays while `agents.population.build_investors` fills them; what a
    kind's build hooks read and write.

    Attributes:
        pop: the population; rng: the model's generator (draw only in hooks, in their order).
        prices: dollars per stock; mv: market values; weights: sqrt(mv), how single-stock
            traders spread over stocks; options: build_investors' keyword arguments.
        start: the first row of each kind's rows, by code.
        kind, home, rate, par, bias, capital, cash, shares, basket: the arrays, one row per
            investor (cash in cents, capital in cents, shares per stock).
        px: dollars, each row's home price (1 for basket traders), set after the homes.
    """

    def __init__(self, pop, prices, mv, rng, options: dict):
        self.pop, self.prices, self.mv, self.rng, self.options = pop, prices, mv, rng, options
        self.ns = prices.size
        self.weights = mv ** 0.5

    def put(self, ks: KindSpec, rows, **values) -> None:
        """Parameters of kind `ks` by column name into `rows`, in the order given."""
        for name, v in values.items():
            self.par[rows, ks.column(name)] = v

    def shares_of(self, notional, rows):
        """Order sizes in shares of `notional` dollars at each row's home price, at least 1."""
        import numpy as np

        return np.maximum(1.0, np.round(notional / self.px[rows]))


def home_stocks(n, weights, rng):
    """Assign n single-stock traders to stocks in proportion to `weights` (largest remainders),
    shuffled by `rng`."""
    import numpy as np

    w = np.asarray(weights, float) / np.sum(weights)
    base = np.floor(w * n).astype(np.int64)
    rest = n - base.sum()
    order = np.argsort(-(w * n - base), kind="stable")[:rest]
    base[order] += 1
    homes = np.repeat(np.arange(w.size), base)
    rng.shuffle(homes)
    return homes


def spread_homes(build, ks, c, rows) -> None:
    """The `homes` hook of a single-stock kind spread over the stocks by sqrt(market value)
    (`home_stocks` on build.weights), each arriving at its parameters' rate_per_min; no draws
    when the kind has no rows."""
    n = rows.stop - rows.start
    if n:
        build.home[rows] = home_stocks(n, build.weights, build.rng)
        build.rate[rows] = c.rate_per_min / 60.0


# ---------------------------------------------------------------------------------------------
# The dispatch, generated
# ---------------------------------------------------------------------------------------------

_ROOT = Path(__file__).resolve().parents[2]
#: sources whose contents the compiled loop depends on (their globals are frozen into it)
_KERNEL_SOURCES = ("market/*.py", "agents/_kernels.py", "agents/_constants.py",
                   "agents/schema.py", "agents/kinds/*.py")
_LOOPS: dict[tuple[int, ...], object] = {}


def _py(fn):
    """The Python function of a compiled one (itself under NUMBA_DISABLE_JIT)."""
    return getattr(fn, "py_func", fn)


def _source_stamp(specs) -> str:
    h = hashlib.sha256()
    for pattern in _KERNEL_SOURCES:
        for f in sorted(_ROOT.glob(pattern)):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    for ks in specs:
        fn = _py(ks.decide)
        h.update(f"{ks.code}:{fn.__module__}.{fn.__qualname__}".encode())
        try:
            h.update(Path(inspect.getfile(fn)).read_bytes())
        except (OSError, TypeError):
            pass
    return h.hexdigest()


def _dispatch_dir() -> Path:
    from numba.core import config

    if config.CACHE_DIR:
        return Path(config.CACHE_DIR) / "selloff_dispatch"
    here = Path(__file__).resolve().parent / "__pycache__"
    try:
        here.mkdir(exist_ok=True)
        if os.access(here, os.W_OK):
            return here
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / "selloff_dispatch"


def _dispatch_source(specs, stamp: str) -> str:
    two = sum(1 << ks.code for ks in specs if ks.lines > 1)
    lines = [
        '"""The compiled dispatch over investor kinds, generated by agents.kinds from the',
        "registry: do not edit (a change of any kind or kernel source writes a new file).",
        "",
        f"stamp {stamp}",
        "kinds: " + ", ".join(f"{ks.code} {ks.name} ({_py(ks.decide).__module__}."
                              f"{_py(ks.decide).__qualname__})" for ks in specs),
        '"""',
        "",
        "from numba import njit",
        "",
        "from agents._kernels import LEAF, _send, make_loop",
        "",
        "# _k<code>: each kind's decision function, set on this module before it runs",
        "",
        "",
        "@njit(**LEAF)",
        "def _decide(ex, inv, mk, i, t, call_phase):",
        '    """Investor i decides at time t by its kind; at most one order leaves by the',
        '    `_send` below."""',
        "    k = inv.kind[i]",
    ]
    for j, ks in enumerate(specs):
        word = "if" if j == 0 else "elif"
        lines += [f"    {word} k == {ks.code}:",
                  f"        go, s, side, kind, price, qty, motive, slot = _k{ks.code}(",
                  "            ex, inv, mk, i, t, call_phase)"]
    lines += ["    else:", "        return", "    if go:",
              "        _send(ex, inv, i, s, side, kind, price, qty, motive, t, slot)", "", "",
              f"run_ticks = make_loop(_decide, __file__, {two}) "
              "# kinds reading two record lines, a bit each", ""]
    return "\n".join(lines)


def dispatch(codes=()):
    """The compiled loop (`agents._kernels._run_ticks`) dispatching over the built-in kinds and
    the kinds `codes`: generated into a file once per set of kinds and sources, then cached."""
    key = tuple(sorted(set(builtin_codes()) | {int(c) for c in codes}))
    if key in _LOOPS:
        return _LOOPS[key]
    load()
    specs = [_KINDS[c] for c in key]
    stamp = _source_stamp(specs)
    text = _dispatch_source(specs, stamp)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = _dispatch_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dispatch_{digest}.py"
    if not path.exists() or path.read_text() != text:
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        tmp.write_text(text)
        os.replace(tmp, path)  # atomic: processes that race write the same bytes
    name = f"agents.kinds._dispatch_{digest}"
    mod = sys.modules.get(name)
    if mod is None:
        loader_spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(loader_spec)
        for ks in specs:
            setattr(mod, f"_k{ks.code}", _jit.compiled(ks.decide))
        sys.modules[name] = mod
        loader_spec.loader.exec_module(mod)
    _LOOPS[key] = mod.run_ticks
    return mod.run_ticks


# the built-in kinds, in Kind's order (their codes are Kind's)
from . import (  # noqa: E402, F401, I001
    fundamental,
    momentum,
    noise,
    market_maker,
    leveraged,
    passive,
    abides_noise,
    abides_value,
    abides_momentum,
    abides_maker,
    theme,
)

_LOADING_BUILTINS = False
