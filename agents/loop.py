"""The public face of the investors' compiled loop (agents/_kernels.py) for the layers above.

`new_market_view` builds the loop's view of the market (values, volatility states, trend and
variance averages, switches); `run_ticks` runs ticks of every investor against an
`market.Exchange`, growing the exchange's buffers when the loop asks for room; `cohort_totals` and
`attention_rates` are the two compiled helpers the model calls between steps. Between steps the
layers above change the loop's state only through the functions here (and agents.beliefs',
agents.population's): `move_values`, `raise_volatility`, `add_flow`, `set_prev_close`,
`set_last_close`, `expire_orders`.
Units: prices in ticks (cents), sizes in shares, time in seconds, log values in log ticks.
"""

import numpy as np

from market import SESSION_SECONDS

from . import _kernels as _K
from ._kernels import Investors, Mkt, attention_rates, cohort_totals, seed_state, view_of
from .kinds import dispatch

__all__ = ["Investors", "Mkt", "new_market_view", "run_ticks", "roll_risk", "cohort_totals",
           "attention_rates", "seed_state", "view_of", "move_values", "raise_volatility",
           "add_flow", "set_prev_close", "set_last_close", "expire_orders"]


def new_market_view(prices, intraday_sd, *, vol_of_vol: float, common_factor: float,
                    activity_gain: float, activity_max: float, vol_persistence_min: float,
                    fast_min: float, slow_min: float, var_min: float, flow_noise: float,
                    informational: bool, fire_sale: bool, liquidity: bool, rng,
                    arbitrage_limits: bool = True, overreaction: float = 0.0,
                    theme: bool = True, daily_sd=None, risk_decay: float = 0.94) -> Mkt:
    """The loop's market view at the start: values at `prices` (dollars, per stock).

    Args:
        prices: starting prices in dollars, per stock.
        intraday_sd: per stock, the sd of a one-second log value change in the session.
        vol_of_vol: sd of the log volatility state of value news.
        common_factor: loading of every stock's value news on the common factor.
        activity_gain: extra trading per unit of excess volatility ratio; activity_max: its cap.
        vol_persistence_min: half-life of the volatility state, minutes.
        fast_min, slow_min, var_min: horizons of the fast and slow trend averages and of the
            variance average, minutes.
        flow_noise: baseline random creations/redemptions of passive funds (shares per arrival
            per unit of basket size).
        informational, fire_sale, liquidity, arbitrage_limits: channels on or off.
        overreaction: theta, the extra weight on salient news (agents.beliefs); theme: theme
            traders read news as the AI theme's (else as their stock's own).
        daily_sd: per stock, the sd of a normal day's close-to-close log return: the level
            value traders' risk budgets take as normal (default: the session's, from
            intraday_sd); `roll_risk` moves their estimate from it, with `risk_decay` a day.
        rng: a numpy Generator; two xoshiro256** states are drawn from it (decisions, values);
            arrivals draw from the decisions' state jumped 2^128 draws ahead.
    """
    if daily_sd is None:
        daily_sd = np.asarray(intraday_sd, float) * np.sqrt(SESSION_SECONDS)
    daily_var = np.asarray(daily_sd, float) ** 2 * np.ones(np.size(prices))
    cfg = np.zeros(_K.N_CFG)
    cfg[_K.C_FUNDAMENTAL] = 1.0
    cfg[_K.C_INFORMATIONAL] = 1.0 if informational else 0.0
    cfg[_K.C_FIRE_SALE] = 1.0 if fire_sale else 0.0
    cfg[_K.C_LIQUIDITY] = 1.0 if liquidity else 0.0
    cfg[_K.C_ACT_GAIN] = activity_gain
    cfg[_K.C_ACT_MAX] = activity_max
    cfg[_K.C_H_PHI] = 0.5 ** (1.0 / (vol_persistence_min * 60.0))
    cfg[_K.C_H_SIGMA] = vol_of_vol
    cfg[_K.C_FAST] = 1.0 / (fast_min * 60.0)
    cfg[_K.C_SLOW] = 1.0 / (slow_min * 60.0)
    cfg[_K.C_VAR] = 1.0 / (var_min * 60.0)
    cfg[_K.C_FLOW] = flow_noise
    cfg[_K.C_ARB] = 1.0 if arbitrage_limits else 0.0
    cfg[_K.C_THETA] = overreaction
    cfg[_K.C_THEME] = 1.0 if theme else 0.0
    cfg[_K.C_RISK_DECAY] = risk_decay
    prices = np.asarray(prices, float)
    ns = prices.size
    # E[exp(2h)] = exp(2 sig_h^2): scale so that the mean variance is the target
    sigma = intraday_sd * np.exp(-vol_of_vol * vol_of_vol)
    logp = np.log(prices * 100.0)
    return Mkt(
        logv=logp.copy(), h=np.zeros(ns), sigma=sigma,
        beta=np.full(ns, common_factor), ema_fast=np.zeros(ns), ema_slow=np.zeros(ns),
        var=(intraday_sd**2) * 4.0, var_ref=(intraday_sd**2) * 4.0,
        risk_var=daily_var, risk_ref=daily_var.copy(), logp=logp.copy(),
        prev_close=prices * 100.0, jump=np.zeros((0, ns)), isnews=np.zeros(0),
        tjump=np.zeros((0, ns)), sal=np.zeros(0), fired=np.zeros(0), cfg=cfg, flow=np.zeros(ns),
        rng=(st := seed_state(rng.integers(1, 2**63 - 1, 4))),
        vrng=seed_state(rng.integers(1, 2**63 - 1, 4)),
        arng=_K.jump_state(st),
    )


def roll_risk(mk: Mkt, close, prev_close) -> None:
    """The daily variance behind value traders' risk budgets, rolled at an open: an EWMA of
    close-to-close log returns, var <- decay x var + (1 - decay) x log(close / prev_close)^2
    (J.P. Morgan/Reuters RiskMetrics 1996, decay 0.94 for daily data; decay: cfg
    C_RISK_DECAY).

    Risk budgets are set from daily volatility estimates, overnight (Jorion, Value at Risk,
    2007), not from the last minutes' quotes: a budget on a five-minute tick variance shrank
    with the bid-ask bounce of a book it had thinned, and the forced cuts that followed kept
    the bounce going (hours of +-5% minute returns in Broadcom on the Tuesday after DeepSeek).
    """
    decay = mk.cfg[_K.C_RISK_DECAY]
    r = np.log(np.asarray(close, float) / np.asarray(prev_close, float))
    mk.risk_var[:] = decay * mk.risk_var + (1.0 - decay) * r * r


def run_ticks(exchange, inv: Investors, mk: Mkt, t0: int, n_ticks: int, *, call_phase: bool,
              clock_moves: bool, counts: np.ndarray) -> None:
    """Run n_ticks one-second ticks of every investor from time t0 (seconds since the first open).

    In a call phase investors send limit orders only; without `clock_moves` (the pre-open) every
    round of arrivals happens at t0 and values do not move. One compiled call, resumed after the
    exchange grows its buffers when the loop asks for room. counts[0] += decisions taken. The
    loop decides through the dispatch over the kinds `inv.kinds` (agents.kinds).
    """
    loop = dispatch(inv.kinds)
    done = 0
    while done < n_ticks:
        st, k = loop(*exchange.kernel_state(), inv, mk,
                             t0 + (done if clock_moves else 0), n_ticks - done, call_phase,
                             clock_moves, counts)
        done += int(k)
        if st == _K.NEED_ROOM:
            exchange.grow_buffers()


# -- the loop's state between steps, in place ----------------------------------------------------


def move_values(mk: Mkt, dlogv) -> None:
    """Every stock's value moves by `dlogv` (log, per stock): news, overnight or fired."""
    mk.logv[:] += dlogv


def raise_volatility(mk: Mkt, dh) -> None:
    """Every stock's log volatility state rises by `dh` (per stock): a news jump stirs trading."""
    mk.h[:] += dh


def add_flow(mk: Mkt, add) -> None:
    """Passive funds' flow per stock rises by `add` (shares per arrival; negative: an end)."""
    mk.flow[:] += add


def set_prev_close(mk: Mkt, prev_close_cents) -> None:
    """At an open: the previous close per stock (cents) that returns are measured from."""
    mk.prev_close[:] = prev_close_cents


def set_last_close(mk: Mkt, close_cents) -> None:
    """At a close: the last log price per stock is the close's (cents; at least one)."""
    mk.logp[:] = np.log(np.maximum(close_cents, 1))


def expire_orders(inv: Investors) -> None:
    """At a close, after the exchange cancelled every resting order: nobody has one live."""
    inv.oid[:] = -1
