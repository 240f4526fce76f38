"""`deepseek`: the week of 24-31 January 2025 replayed from its timeline (BACKGROUND.md).

Calibrated on Nvidia's 27 January alone (targets: close-to-close -17% +-2.5, open gap -12.5% +-3,
close in the lowest 35% of the day's range, volume at least 2.5x the scenario's 24 January).
What was tuned (the DeepSeek news's size, reach, spread, Jevons share and digestion; investors'
attention to news; retail dip buying) is listed in CALIBRATION below with why each value is
defensible; every other stock's move comes from the supply network, overlapping portfolios and
the investors, never from its real move.

Timeline as shocks (day 0 = Friday 24 January; minute -1 = before that day's open):

- day 0, before the open: Meta guides 2025 capex to $60-65bn against about $51bn expected;
- day 0, 10:30: R1's results reach a specialist audience (2% of investors, slow spread);
- day 1 (Mon 27), before the open: the weekend's news, DeepSeek as #1 app and the cost figures:
  expected AI compute demand falls; most investors heard it over the weekend, the rest over
  the day; some read it the Jevons way (cheaper AI, more AI);
- day 2 (Tue 28), before the open: Nvidia's statement (inference needs many GPUs) and the
  floated tariff on foreign-made chips (25%, weighted by an assumed 40% chance: 10%);
- day 4 (Thu 30), before the open: Microsoft ($80bn) and Meta ($62.5bn) reaffirm capex after
  Wednesday's close, against expectations the DeepSeek news had lowered;
- day 5 (Fri 31), 11:00: reports that officials examine DeepSeek's chip purchases: a 10%
  chance-weighted tightening of exports to China.
"""

from dataclasses import dataclass

from agents.params import param
from scenarios.scenario import Scenario
from scenarios.shocks import (
    AIDemandNews,
    CapexGuidance,
    ChipTariff,
    ExportControl,
    FirmStatement,
)

#: What was tuned to Nvidia's 27 January, the value and the reason it is defensible.
CALIBRATION = {
    "shocks.deepseek.size": (-0.2, "a fifth less expected AI compute: the V3 report's ~11x less "
                             "training compute, tempered by inference demand; at -0.2 the "
                             "supply network gives Nvidia's value -17% (not fitted: the first "
                             "value tried, and it stayed)"),
    "shocks.deepseek.reach": (0.6, "most investors saw the weekend coverage (#1 app, press) "
                              "before Monday's open; Nvidia was down 11-13% pre-market"),
    "shocks.deepseek.spread_per_hour": (1.0, "the rest hear within hours: each hearer tells "
                                        "each of ~8 contacts about once an hour"),
    "shocks.deepseek.jevons_share": (0.1, "a minority argued the Jevons case on the day"),
    "shocks.deepseek.digest": (0.3, "under-reaction: investors first take in about 70% of a "
                               "surprise and the rest over hours (post-announcement drift); "
                               "this is what makes the open gap smaller than the day's fall"),
    "shocks.deepseek.digest_hours": (4.0, "the rest within a session, as analysts' notes and "
                                     "the rout itself arrived through the day"),
    "dynamics.attention": (1.5, "investors who heard big news trade more: an investor whose "
                           "stock's value moved 5.5 daily sds trades up to ~9x as often at "
                           "first (abnormal volume on news days, Barber & Odean 2008)"),
    "dynamics.attention_hours": (6.0, "that attention lasts the session, fading by the next"),
    "dynamics.news_vol": (0.3, "news raises the uncertainty of the values it moves: Nvidia's "
                          "intraday volatility about doubles at first"),
    "population.fundamental.commitment": (0.05, "not tuned to Nvidia: value traders commit "
                                          "more capital to bigger mispricings (their limit "
                                          "grows by one per 5% of mispricing); without it a "
                                          "big shock left them all at their limits and trend "
                                          "followers ran prices far from value"),
    "population.noise.dip_propensity": (0.05, "retail net bought ~0.6% of the day's dollar "
                                        "volume; with retail ~20% of volume that is ~3% net"),
}

DEEPSEEK_SHOCKS = (
    CapexGuidance(name="meta_capex", day=0, minute=-1, firm="META", capex_bn=62.5,
                  expected_bn=51.0, reach=0.5, spread_per_hour=4.0),
    AIDemandNews(name="r1_early", day=0, minute=60, size=-0.02, reach=0.02,
                 spread_per_hour=0.5),
    AIDemandNews(name="deepseek", day=1, minute=-1, size=CALIBRATION["shocks.deepseek.size"][0],
                 reach=CALIBRATION["shocks.deepseek.reach"][0],
                 spread_per_hour=CALIBRATION["shocks.deepseek.spread_per_hour"][0],
                 jevons_share=CALIBRATION["shocks.deepseek.jevons_share"][0], jevons_size=0.05,
                 digest=CALIBRATION["shocks.deepseek.digest"][0],
                 digest_hours=CALIBRATION["shocks.deepseek.digest_hours"][0]),
    FirmStatement(name="nvidia_statement", day=2, minute=-1, firm="NVDA", size=0.03,
                  text="DeepSeek is an excellent AI advancement; inference needs many GPUs",
                  reach=0.4, spread_per_hour=2.0),
    ChipTariff(name="tariff_floated", day=2, minute=-1, rate=0.10, reach=0.4,
               spread_per_hour=2.0),
    CapexGuidance(name="msft_capex", day=4, minute=-1, firm="MSFT", capex_bn=80.0, reach=0.5,
                  spread_per_hour=4.0),
    CapexGuidance(name="meta_reaffirm", day=4, minute=-1, firm="META", capex_bn=62.5,
                  reach=0.5, spread_per_hour=4.0),
    ExportControl(name="export_probe", day=5, minute=90, lost_share=0.1, reach=0.2,
                  spread_per_hour=2.0),
)


@dataclass(frozen=True)
class DeepSeek(Scenario):
    """The DeepSeek week as timed shocks, calibrated on Nvidia's 27 January (`CALIBRATION`)."""

    name: str = "deepseek"
    description: str = ("The DeepSeek week, 24-31 January 2025, calibrated on Nvidia's "
                        "27 January alone.")
    days: int = param(6, 1, 250, doc="trading days simulated")
    shocks: tuple = param(DEEPSEEK_SHOCKS, doc="timed shocks (scenarios/shocks.py), by name")
