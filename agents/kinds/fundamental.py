"""Fundamental (value) traders: buy below, sell above their own noisy, lagging estimate of
value, within limits to arbitrage (finite capital and a risk budget; a trader over them must cut
its position at market, whatever its view).

Columns (agents/schema.py `KindSchema`): size (shares), threshold, take_prob, position_limit
(shares), doubt, commitment, max_gross, redemption. Theme traders (agents/kinds/theme.py) share
these columns and this decision; they differ only in their view of the news (`_kernels._view`).
"""

import math
from dataclasses import dataclass

import numpy as np

from market import Motive

from ..params import param
from . import register, spread_homes
from ._jit import K, kernel
from ._twin import BUY, LIMIT, MARKET, SELL, Order

__all__ = ["Fundamental", "COLUMNS", "decide", "twin", "arb_cap_twin", "SPEC"]

#: parameter columns of a value trader (fundamental and theme traders)
COLUMNS = ("size", "threshold", "take_prob", "position_limit", "doubt", "commitment",
           "max_gross", "redemption")
THRESHOLD, TAKE, LIMIT_COL, DOUBT, COMMIT, GROSS, REDEEM = range(1, 8)
BUY_, SELL_, LIMIT_, MARKET_ = K.BUY, K.SELL, K.LIMIT, K.MARKET
NONE, BID_SLOT, M_VALUE, M_NEWS, M_FORCED = K.NONE, K.BID_SLOT, K.M_VALUE, K.M_NEWS, K.M_FORCED


@dataclass(frozen=True)
class Fundamental:
    """Value traders: buy below, sell above their own noisy, lagging estimate of value.

    In large, liquid stocks many arbitrageurs act on small mispricings, so the default threshold
    is 10 bp with 15 bp of estimate noise: with 40 bp and 60 bp (a first guess) prices trailed
    value for tens of minutes and 1-minute returns were autocorrelated at 0.2 even at lag 20,
    which real prices are not (Cont 2001).

    Limits to arbitrage (Shleifer & Vishny 1997; Gromb & Vayanos 2010): each trader's capital is
    finite, so a stock's arbitrage capital is the sum over the traders who trade it and the
    market's the sum over stocks. What a trader may hold (agents/kinds/fundamental.py `_arb_cap`) is
    ``max_gross * (capital + P&L + redemption * min(0, P&L)) * min(1, sd_ref / sd_now) / price``:
    losses and the withdrawals that follow them shrink it, so does a rise in volatility (a risk
    budget), and a trader over it must cut its position at market, whatever its view. Nothing
    resets overnight: capital lost on one day is missing at the next open, and returns only
    with half-life ``capital_return_days`` (new arbitrage capital is slow to arrive: Duffie 2010;
    Mitchell, Pedersen & Pulvino 2007), which is what lets forced selling's discount revert.

    Sizing ``capital`` from pre-event facts: hedge funds hold roughly 3% of large US companies'
    shares (an order of magnitude from 13F filings), and Nvidia traded about 0.9% of its shares
    a day in January 2025 (220M of 24.49bn), so their holdings are about 3.3 days of its volume;
    at the ~2.85x gross leverage prime brokers reported for January 2025, the capital behind
    them is about 3.3 / 2.85 = 1.2 days of volume. The model trades about $1.1bn of Nvidia on
    a normal day (its own 24 January, 7.6M shares at ~$144) with 345 value traders in it:
    1.2 x $1.1bn / 345 is about $3.7M of capital each (one value per trader, for every stock).
    ``max_gross`` 4: prime brokers' portfolio margin on diversified large-cap books allows
    about 4-6x gross; 4 is the cautious end. ``redemption`` 0.5: an assumption (half of a loss
    withdrawn on top), not fitted. ``capital_return_days`` 1: price pressure on NYSE liquidity
    providers' inventories decays with a half-life of about a day (Hendershott & Menkveld 2014).
    """

    count: int = param(3000, 0, 200_000, doc="investors")
    rate_per_min: float = param(0.6, 0.0, 60.0, doc="decisions per investor per minute")
    notional: float = param(20_000.0, 100.0, 1e8, doc="dollars per order (before scaling)")
    threshold: float = param(0.001, 0.0, 0.5, doc="mispricing (fraction) needed to trade")
    take_prob: float = param(0.6, 0.0, 1.0, doc="probability of crossing the spread")
    position_limit: float = param(40.0, 0.0, 1e6, doc="max position, in orders' worth")
    bias_sd: float = param(0.0015, 0.0, 0.5, doc="sd of the log bias of each estimate")
    doubt: float = param(0.05, 0.0, 10.0, doc="mispricing (fraction) at which a trader who "
                         "has not heard the latest news suspects it and stays out")
    commitment: float = param(0.05, 1e-4, 10.0, doc="mispricing (fraction) per extra position "
                              "limit: bigger mispricings draw more capital")
    capital: float = param(3.7e6, 0.0, 1e12, doc="own capital (equity) per value trader, "
                           "dollars: it may hold at most max_gross times it, less its losses")
    max_gross: float = param(4.0, 0.01, 100.0, doc="largest position / own capital at normal "
                             "volatility (shrinks as 1 / the volatility ratio)")
    redemption: float = param(0.5, 0.0, 10.0, doc="share of each dollar it loses that its "
                              "investors withdraw on top (performance-based arbitrage)")
    capital_returns: bool = param(True, doc="capital lost or withdrawn comes back over days "
                                  "(else it is gone for good)")
    capital_return_days: float = param(1.0, 0.01, 1000.0, doc="half-life of that return, "
                                       "trading days")


@kernel
def _value_order(book, inv, mk, i, s, t, call_phase, mid, b, a, pos, size, cap):
    """Value trader: trades toward its estimate of value when mispricing passes a threshold.

    Columns: threshold (fraction), take_prob (probability of taking liquidity), position_limit,
    doubt (a trader who has not heard the latest news and sees the price further than this
    fraction from its estimate suspects news it has missed and stays out), commitment (the limit
    grows by position_limit for each commitment of mispricing: bigger mispricings draw more
    capital). `cap` (shares) bounds the limit: what its capital and risk limits allow
    (`_arb_cap`).
    """
    par = inv.par
    rs = mk.rng
    v = np.exp(K._view(inv, mk, i, s, t))
    thr = par[i, THRESHOLD]
    lim = min(cap, par[i, LIMIT_COL] * (1.0 + abs(v / mid - 1.0) / par[i, COMMIT]))
    if not K._heard_latest(inv, mk, i, t) and abs(v - mid) > par[i, DOUBT] * mid:
        # withdraw its order: a cancel and nothing new (qty 0)
        return True, BUY_, LIMIT_, NONE, NONE, M_VALUE, BID_SLOT
    heard_news = False
    for q in range(mk.jump.shape[0]):
        if inv.hear[q, i] <= t and t - inv.hear[q, i] < 3600.0:
            heard_news = True
    motive = M_NEWS if heard_news else M_VALUE
    if v > mid * (1.0 + thr) and pos < lim:
        qty = int(size * min(4.0, (v / mid - 1.0) / thr))
        take = K.uniform(rs) < par[i, TAKE] and a > 0 and not call_phase
        # in a call auction a limit at one's own reservation price is the natural order
        # (all fill at the one auction price); in continuous trading, post inside
        p = a if take else int(v * (1.0 - 0.5 * thr)) if call_phase else int(
            min(v * (1.0 - 0.5 * thr), mid - 0.5))
        return True, BUY_, LIMIT_, K._clip_price(book, s, p), qty, motive, BID_SLOT
    if v < mid * (1.0 - thr) and pos > -lim:
        qty = int(size * min(4.0, (1.0 - v / mid) / thr))
        take = K.uniform(rs) < par[i, TAKE] and b > 0 and not call_phase
        p = b if take else int(v * (1.0 + 0.5 * thr) + 0.999) if call_phase else int(
            max(v * (1.0 + 0.5 * thr), mid + 1.5))
        return True, SELL_, LIMIT_, K._clip_price(book, s, p), qty, motive, BID_SLOT
    return False, BUY_, LIMIT_, NONE, NONE, motive, BID_SLOT


@kernel
def _arb_cap(inv, mk, cash, i, s, mid, pos):
    """Limits to arbitrage: the largest position (shares, either sign) value trader i may hold.

    cap = max_gross * E * min(1, sd_ref / sd_now) / mid, with E = K + P + redemption * min(0, P):
    K its own capital (cents), P its P&L since the start (cash and its one stock at mid, less
    its starting wealth), so losses shrink what it may hold and its investors withdraw a part
    of each loss on top (Shleifer & Vishny 1997); the volatility ratio is the risk limit that
    shrinks positions as volatility rises (a value-at-risk budget; Gromb & Vayanos 2010,
    Brunnermeier & Pedersen 2009). sd_now is a daily estimate, as risk budgets are set
    overnight: the EWMA of close-to-close returns to the last close (Mkt.risk_var,
    agents.loop.roll_risk; RiskMetrics 1996), sd_ref its normal level. A budget on the last
    minutes' quote variance shrank with the bid-ask bounce of a book its cuts had thinned, and
    its cuts kept the bounce going. Unbounded with the arbitrage-limits channel off. A value
    trader holds only its home stock, so its wealth is its cash and that stock.
    """
    if mk.cfg[K.C_ARB] <= 0:
        return np.inf
    pnl = float(cash[inv.acct[i]]) + pos * mid - inv.w0[i]
    eq = inv.capital[i] + pnl + inv.par[i, REDEEM] * min(0.0, pnl)
    if eq <= 0.0:
        return 0.0
    risk = min(1.0, np.sqrt(mk.risk_ref[s] / max(mk.risk_var[s], 1e-300)))
    return inv.par[i, GROSS] * eq * risk / mid


@kernel
def decide(ex, inv, mk, i, t, call_phase):
    """A value trader's decision: a forced cut at market when its position is over what its
    capital and risk limits allow (`_arb_cap`) and the book has the other side, else its view's
    order (`_value_order`)."""
    s, mid, b, a, size = K._situation(ex, inv, mk, i)
    pos = K._position(ex, inv, i, s)
    cap = _arb_cap(inv, mk, ex[2].cash, i, s, mid, pos)
    if abs(pos) > cap and not call_phase and (b > 0 if pos > 0 else a > 0):
        # over its capital or risk limit: it must cut the position, whatever its view
        qty = min(size, int(abs(pos) - cap) + 1)
        return True, s, SELL_ if pos > 0 else BUY_, MARKET_, NONE, qty, M_FORCED, BID_SLOT
    go, side, kind, price, qty, motive, slot = _value_order(
        ex[0], inv, mk, i, s, t, call_phase, mid, b, a, pos, size, cap)
    return go, s, side, kind, price, qty, motive, slot


# ---------------------------------------------------------------------------------------------
# The twin: the rules above, restated from the docstrings in plain Python
# ---------------------------------------------------------------------------------------------

M = {"value": Motive.VALUE, "forced": Motive.FORCED, "news": Motive.NEWS}


def arb_cap_twin(capital, cash, w0, pos, mid, redemption, max_gross, var, var_ref, arb=True):
    """The largest position a value trader may hold (shares): max_gross x its equity x the
    risk limit / mid; the risk limit is min(1, sqrt(var_ref / var)) of the daily variance
    estimate (risk_var) and its normal level (risk_ref). Equity: own capital plus P&L (cash and
    holdings at mid less starting wealth), less `redemption` of a loss; none left, none held;
    unbounded without limits."""
    if not arb:
        return math.inf
    pnl = (cash + pos * mid) - w0
    equity = capital + pnl
    if pnl < 0:
        equity = equity - redemption * (-pnl)
    if equity <= 0:
        return 0.0
    risk = min(1.0, math.sqrt(var_ref / max(var, 1e-300)))
    return max_gross * equity * risk / mid


def view_twin(sit, theme: bool = False) -> float:
    """Its estimate of its stock's value, log ticks: the value with every news jump taken
    out, its bias, then each row it has heard as it reads it (conviction x (1 + theta x the
    row's salience to it)); a theme trader reads the theme's jump (`tjump`)."""
    s, mk = sit.home, sit.market
    v = mk["logv"][s] + sit.bias
    for k, heard in enumerate(sit.hear):
        if mk["isnews"][k] > 0:
            v -= mk["jump"][k][s]
        if sit.t >= heard:
            j = mk["tjump"][k][s] if theme else mk["jump"][k][s]
            v += j * sit.conv * (1.0 + mk["cfg"][K.C_THETA] * mk["sal"][k] * sit.hsal[k])
    return v


def twin(sit) -> list:
    """A value trader's decision, slowly: [the Order it sends] or []."""
    p, s = sit.par, sit.home
    size = sit.drawn_size()
    mid = sit.mid(s)
    b, a = sit.bids[s], sit.asks[s]
    pos = sit.shares[s]
    cap = arb_cap_twin(sit.capital, sit.cash, sit.w0, pos, mid, p["redemption"],
                       p["max_gross"], sit.market["risk_var"][s], sit.market["risk_ref"][s],
                       arb=sit.market["cfg"][K.C_ARB] > 0)
    if abs(pos) > cap and not sit.call_phase and ((b > 0) if pos > 0 else (a > 0)):
        qty = min(size, math.floor(abs(pos) - cap) + 1)
        return [Order(s, SELL if pos > 0 else BUY, MARKET, 0, qty, M["forced"])]
    theme = sit.code == int(K.THEME) and sit.market["cfg"][K.C_THEME] > 0
    v = math.exp(view_twin(sit, theme))
    news_rows = [k for k, x in enumerate(sit.market["isnews"]) if x > 0]
    heard_latest = not news_rows or sit.hear[news_rows[-1]] <= sit.t
    if not heard_latest and abs(v - mid) > p["doubt"] * mid:
        return [Order(s, BUY, LIMIT, 0, 0, M["value"])]  # withdraws: a cancel only
    recent = any(h <= sit.t and sit.t - h < 3600.0 for h in sit.hear)
    motive = M["news"] if recent else M["value"]
    thr = p["threshold"]
    lim = min(cap, p["position_limit"] * (1.0 + abs(v / mid - 1.0) / p["commitment"]))
    if v > mid * (1.0 + thr) and pos < lim:
        qty = math.floor(size * min(4.0, (v / mid - 1.0) / thr))
        take = sit.rng.uniform() < p["take_prob"] and a > 0 and not sit.call_phase
        if take:
            price = a
        elif sit.call_phase:
            price = math.floor(v * (1.0 - thr / 2))
        else:
            price = math.floor(min(v * (1.0 - thr / 2), mid - 0.5))
        return [Order(s, BUY, LIMIT, sit.clip(s, price), qty, motive)]
    if v < mid * (1.0 - thr) and pos > -lim:
        qty = math.floor(size * min(4.0, (1.0 - v / mid) / thr))
        take = sit.rng.uniform() < p["take_prob"] and b > 0 and not sit.call_phase
        if take:
            price = b
        elif sit.call_phase:
            price = math.floor(v * (1.0 + thr / 2) + 0.999)
        else:
            price = math.floor(max(v * (1.0 + thr / 2), mid + 1.5))
        return [Order(s, SELL, LIMIT, sit.clip(s, price), qty, motive)]
    return []




def fill(build, ks, c, rows) -> None:
    """Columns (order size in shares of `notional` at the home price; position limit in
    shares), each estimate's log bias (drawn), own capital (cents)."""
    n = rows.stop - rows.start
    size = build.shares_of(c.notional, rows)
    build.put(ks, rows, size=size, threshold=c.threshold,
              take_prob=c.take_prob, position_limit=c.position_limit * size, doubt=c.doubt,
              commitment=c.commitment, max_gross=c.max_gross, redemption=c.redemption)
    build.bias[rows] = build.rng.normal(0.0, c.bias_sd, n) if n else 0.0
    build.capital[rows] = c.capital * 100.0


def endow(build, ks, c, rows) -> None:
    """A random long position of its home stock: 0.2-0.6 of its position limit (shares)."""
    idx = np.arange(rows.start, rows.stop)
    if idx.size:
        lim = build.par[idx, LIMIT_COL]
        build.shares[idx, build.home[idx]] = np.round(
            build.rng.uniform(0.2, 0.6, idx.size) * lim).astype(np.int64)


SPEC = register("fundamental", columns=COLUMNS, params=Fundamental, decide=decide, twin=twin,
                homes=spread_homes, fill=fill, endow=endow, lines=2)
