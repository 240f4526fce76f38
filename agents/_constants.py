"""The compiled loop's constants, numba-free: what `agents._kernels` re-exports as its own.

The kinds' modules (agents/kinds/) read these at import, in their twins and build hooks, before
numba is loaded (`selloff scenarios` and argument errors import the kinds' parameters, not the
kernels); compiled code reads them through `agents._kernels` as compile-time constants.
"""

import numpy as np

from market.types import SESSION_SECONDS, TAPE_DTYPE

from .schema import KIND_NAMES, N_PAR, Kind, Motive

__all__ = [
    "ENTRY", "HOT", "LEAF", "SESSION_SECONDS", "KIND_NAMES", "N_PAR", "Kind", "Motive",
    "FUNDAMENTAL", "MOMENTUM", "NOISE", "MAKER", "LEVERAGED", "PASSIVE", "THEME",
    "M_VALUE", "M_MOMENTUM", "M_NOISE", "M_DIP", "M_MM", "M_FORCED", "M_FLOW", "M_NEWS",
    "BUY", "SELL", "LIMIT", "MARKET", "CANCEL", "BID_SLOT", "ASK_SLOT", "NONE", "NO_ID",
    "P_SIZE", "TP_QTY", "TP_TIME", "TP_STOCK", "TP_TSIDE",
    "C_FUNDAMENTAL", "C_INFORMATIONAL", "C_FIRE_SALE", "C_LIQUIDITY", "C_ACT_GAIN", "C_ACT_MAX",
    "C_H_PHI", "C_H_SIGMA", "C_FAST", "C_SLOW", "C_VAR", "C_FLOW", "C_ARB", "C_THETA",
    "C_THEME", "C_RISK_DECAY", "N_CFG", "DONE", "NEED_ROOM",
]

# numba's options for the kernels (`njit(**LEAF)`; agents.kinds' `@kernel` names one of them).
# The loop's helpers are inlined by LLVM (`forceinline`), so a decision passes no arguments: a
# call of `_decide` passed some 40 arrays, hundreds of words, by value. numba's own IR inliner
# (`inline="always"`) would do the same at several times the compile time.
ENTRY = dict(cache=True, _nrt=False)  # called from Python
HOT = dict(ENTRY, no_cpython_wrapper=True, no_cfunc_wrapper=True)
LEAF = dict(HOT, forceinline=True)

# investor kinds and motives: agents/schema.py (module-level ints here: numba reads them as
# compile-time constants; the kinds' own modules in agents/kinds/ use them)
FUNDAMENTAL, MOMENTUM, NOISE, MAKER, LEVERAGED, PASSIVE, THEME = (
    int(Kind.FUNDAMENTAL), int(Kind.MOMENTUM), int(Kind.NOISE), int(Kind.MARKET_MAKER),
    int(Kind.LEVERAGED), int(Kind.PASSIVE), int(Kind.THEME))
# motives (market.Motive)
# (numpy ints, not Python ints: numba types a Python-int constant by its value and compiles a
# callee once per distinct constant; these keep `_send` to one compiled copy)
M_VALUE, M_MOMENTUM, M_NOISE, M_DIP, M_MM, M_FORCED, M_FLOW, M_NEWS = (
    np.int64(m) for m in (Motive.VALUE, Motive.MOMENTUM, Motive.NOISE, Motive.DIP_BUY,
                          Motive.MARKET_MAKING, Motive.FORCED, Motive.FUND_FLOW, Motive.NEWS))
# order sides and kinds (market.Side / market.OrderKind) and the investor's two order slots
BUY, SELL, LIMIT, MARKET, CANCEL = np.array([1, -1, 0, 1, 2], dtype=np.int64)
BID_SLOT, ASK_SLOT, NONE, NO_ID = np.array([0, 1, 0, -1], dtype=np.int64)

P_SIZE = 0  # column of the order size in every kind's row (agents/schema.py)
# the tape's columns (market.TAPE_DTYPE) a maker reads for the volume traded
TP_QTY, TP_TIME, TP_STOCK, TP_TSIDE = (TAPE_DTYPE.names.index(c)
                                       for c in ("qty", "time", "stock", "taker_side"))

# Mkt.cfg entries
(C_FUNDAMENTAL, C_INFORMATIONAL, C_FIRE_SALE, C_LIQUIDITY, C_ACT_GAIN, C_ACT_MAX, C_H_PHI,
 C_H_SIGMA, C_FAST, C_SLOW, C_VAR, C_FLOW, C_ARB, C_THETA, C_THEME, C_RISK_DECAY) = range(16)
N_CFG = 16

# statuses of run_ticks
DONE, NEED_ROOM = 0, 1
