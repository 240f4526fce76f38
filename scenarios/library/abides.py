"""`abides_rmsc04`: ABIDES's RMSC04 configuration on one stock for one day, on equal work.

RMSC04 (jpmorganchase/abides-jpmc-public, abides-markets/abides_markets/configs/rmsc04.py):
1,000 noise, 102 value and 12 momentum agents and 2 adaptive POV market makers on one stock,
one 09:30-16:00 day, continuous trading only. The four kinds are ABIDES's own behaviours
(agents/population.py AbidesNoise ... AbidesMaker; their parameters are RMSC04's, each named
there): a noise agent wakes once and sends one order, value agents wake every 175 s on average,
momentum agents every 37 s, market makers requote a 10-level ladder every 60 s.

The fundamental. RMSC04's oracle is an Ornstein-Uhlenbeck process in cents, r_bar = 100,000,
kappa_oracle = 1.67e-16 per ns, fund_vol = 5e-5 (per sqrt(ns)), with megashocks at a rate of
2.77778e-18 per ns (mean 1,000, variance 50,000, random sign). Over one 23,400-s session it
reverts by 1 - exp(-1.67e-7 * 23,400) = 0.4% of its distance to r_bar and meets a megashock with
probability 2.78e-9 * 23,400 = 6.5e-5: within a day it is a Brownian motion of
5e-5 * sqrt(1e9) = 1.581 ticks per sqrt(s), which the loop's value path is with constant
volatility (vol_of_vol 0), nothing overnight and no activity feedback. In ticks, as ABIDES's
agents see it; on NVDA's 142.62 dollars that is a log sd of 1.581 / 14,262 per sqrt(s), and
since the path's sd is NVDA's 2024 volatility (52.1% a year) / sqrt(252 * 23,400 s) times
vol_scale, vol_scale = 1.581 / 14,262 * sqrt(252 * 23,400) / 0.521 = 0.5167. r_bar is the
stock's start (14,262 ticks, not 100,000); every other price parameter is in ticks as in ABIDES.

Market rules as ABIDES's exchange: no auctions, price bands, halts or self-trade prevention.
Not carried over: ABIDES's message latencies (its latency model, the makers' 50-ns
cancel_limit_delay; here orders act at once, in a random order within each second); its
starting_cash of 10,000,000 cents (every account here has a credit line large enough that
cash never binds, and ABIDES does not refuse orders for cash either); the makers' requotes on a
book-imbalance signal (agents/population.py AbidesMaker).
ABIDES's figures for this day (measured on this kind of machine, not published): about 40,000
orders and 19,800 fills; 66 s of event loop, 80.4 s for the whole process (benchmarks/
bench_model.py prints them beside ours).
"""

from dataclasses import dataclass

from agents.params import param
from agents.population import (
    AbidesMaker,
    AbidesMomentum,
    AbidesNoise,
    AbidesPopulation,
    AbidesValue,
    Fundamental,
    Leveraged,
    MarketMaker,
    Momentum,
    Noise,
    Passive,
    Theme,
)
from scenarios.library.scenario import ALL_TICKERS, Dynamics, Rules, Scenario

__all__ = ["RMSC04", "AbidesRMSC04", "ABIDES_ORDERS", "ABIDES_FILLS", "ABIDES_LOOP_S",
           "ABIDES_PROCESS_S"]

#: ABIDES RMSC04, one day, measured on a 2-core machine of this kind when idle (not published):
#: orders placed, fills, seconds of the kernel's event loop and of the whole process
ABIDES_ORDERS, ABIDES_FILLS, ABIDES_LOOP_S, ABIDES_PROCESS_S = 40_000, 19_800, 66.0, 80.4

RMSC04 = AbidesPopulation(
    fundamental=Fundamental(count=0),
    momentum=Momentum(count=0),
    noise=Noise(count=0),
    market_maker=MarketMaker(per_stock=0),
    leveraged=Leveraged(count=0),
    passive=Passive(count=0),
    theme=Theme(count=0),
    abides_noise=AbidesNoise(count=1000),  # num_noise_agents
    abides_value=AbidesValue(count=102),  # num_value_agents, lambda_a, sigma_n, kappa
    abides_momentum=AbidesMomentum(count=12),  # num_momentum_agents, 37 s, 20 / 50
    abides_maker=AbidesMaker(per_stock=2),  # MM_PARAMS x 2: pov, num_ticks, 60 s, sizes
)

#: the fundamental as RMSC04's oracle within a day (module docstring)
RMSC04_DYNAMICS = Dynamics(vol_scale=0.5167, overnight_share=0.0, vol_of_vol=0.0,
                           common_factor=0.0, activity_gain=0.0, activity_max=1.0)


@dataclass(frozen=True)
class AbidesRMSC04(Scenario):
    """ABIDES's RMSC04 configuration on one stock for one day (see the module docstring)."""

    name: str = "abides_rmsc04"
    description: str = "ABIDES RMSC04: one stock, 1,116 agents of ABIDES's kinds, one day"
    days: int = param(1, 1, 250, doc="trading days simulated")
    tickers: tuple[str, ...] = param(("NVDA",), choices=ALL_TICKERS, doc="stocks simulated")
    population: AbidesPopulation = param(RMSC04)
    rules: Rules = param(Rules(auctions=False, luld=False, circuit_breaker=False,
                               self_trade_prevention=False))
    dynamics: Dynamics = param(RMSC04_DYNAMICS)
