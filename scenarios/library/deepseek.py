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
- day 2 (Tue 28), before the open: Nvidia's statement (inference needs many GPUs: no figure,
  an argument for the Jevons reading) and the floated tariff on foreign-made chips (25%,
  weighted by the first term's follow-through of about half: 12.5%);
- day 4 (Thu 30), before the open: Microsoft ($80bn) and Meta ($62.5bn) reaffirm capex after
  Wednesday's close, against expectations the DeepSeek news had lowered (Microsoft's CEO
  arguing the Jevons case);
- day 5 (Fri 31), 11:00: reports that officials examine DeepSeek's chip purchases: half the
  chance of a rule that would cost the China AI revenue.

Each later shock's size and its evidence, dated on its day or before, is in `EVIDENCE`.
"""

from dataclasses import dataclass

from agents.params import param
from scenarios.library.scenario import Scenario
from scenarios.library.shocks import (
    AIDemandNews,
    CapexGuidance,
    ChipTariff,
    ExportControl,
    FirmStatement,
)

#: What was tuned to Nvidia's 27 January, the value and the reason it is defensible.
CALIBRATION = {
    "shocks.deepseek.size": (-0.05, "5% less AI compute demand expected at the end of the "
                             "build-out (2030): with value on expectations, the expected growth "
                             "of AI-linked cash flows falls by ln(0.95) / 5 = 1 point a year, "
                             "which takes Nvidia's value down 15% through its duration; with "
                             "investors' overreaction to salient news that is the day's fall "
                             "(tuned on Nvidia's 27 January alone, between -0.03 and -0.06)"),
    "shocks.deepseek.reach": (0.6, "most investors saw the weekend coverage (#1 app, press) "
                              "before Monday's open; Nvidia was down 11-13% pre-market"),
    "shocks.deepseek.spread_per_hour": (1.0, "the rest hear within hours: each hearer tells "
                                        "each of ~8 contacts about once an hour"),
    "shocks.deepseek.jevons_share": (0.05, "a minority argued the Jevons case on the day; the "
                                     "reading then spreads from them (beliefs.persuasion), so "
                                     "the first readers are fewer than the day's (0.1 before "
                                     "readings spread)"),
    "shocks.deepseek.digest": (0.3, "under-reaction: investors first take in about 70% of a "
                               "surprise and the rest over hours (post-announcement drift); "
                               "this is what makes the open gap smaller than the day's fall"),
    "shocks.deepseek.digest_hours": (4.0, "the rest within a session, as analysts' notes and "
                                     "the rout itself arrived through the day"),
    "dynamics.attention": (3.5, "investors who heard big news trade more (abnormal volume on "
                           "news days, Barber & Odean 2008): an investor whose stock's value "
                           "moved 5.5 daily sds trades up to 20x as often at first; the volume "
                           "target sets it (1.5 gave 2.26x once value traders' risk budgets "
                           "stopped churning a bouncing book, 2.5 gave 2.42x, 3.5 2.51x)"),
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
#: Sizes tied to the calibrated one: a fraction of the DeepSeek news, not values of their own.
TIED = {
    "shocks.r1_early.size": (0.1, "Friday's R1 news is the same news reaching specialists: a "
                             "tenth of the weekend's reading, as before the expectations work"),
    "shocks.deepseek.jevons_size": (-0.25, "a Jevons reader infers a quarter of the news's "
                                    "size the other way (cheaper AI, more AI)"),
}
_SIZE = CALIBRATION["shocks.deepseek.size"][0]

#: The shocks after the DeepSeek news, sized from evidence dated on their day or before.
EVIDENCE = {
    "nvidia_statement": ("2025-01-27 evening", "Nvidia: 'DeepSeek is an excellent AI advancement"
                         " ... Inference requires significant numbers of NVIDIA GPUs and "
                         "high-performance networking.' No figure and no change to its guidance "
                         "(Q4 FY25 revenue $37.5bn, 20 Nov 2024): size 0, no news about the "
                         "level of its demand; it argues the Jevons reading, which a share "
                         "beliefs.persuasion of its hearers adopt"),
    "tariff_floated": ("2025-01-27 evening", "Trump at the House Republicans' retreat: 'in the "
                       "very near future we're going to be placing tariffs on foreign "
                       "production of computer chips, semiconductors and pharmaceuticals'; no "
                       "rate named. Rate: 25%, the rate he had named that week for Canada and "
                       "Mexico (20 Jan) and the Section 232 steel rate of 2018. Chance: about "
                       "half of the first term's tariff threats took effect (steel and "
                       "aluminium, washing machines and solar, the China lists 1-3 and 4A did; "
                       "autos, EU cars, Mexico 2019 and list 4B did not): 0.5 x 25% = 12.5%. "
                       "Years: the 2018 tariffs were still in force in 2025; the four years of "
                       "the term are the floor"),
    "msft_capex": ("2025-01-29 after the close", "Microsoft's call: $22.6bn of capex in the "
                   "December quarter and the fiscal year's $80bn plan kept; Nadella argued the "
                   "Jevons case on the call ('as AI becomes more efficient and accessible, we "
                   "will see exponentially more demand')"),
    "meta_reaffirm": ("2025-01-29 after the close", "Meta's call: 2025 capex of $60-65bn kept "
                      "(midpoint 62.5); Zuckerberg: heavy investment in infrastructure stays a "
                      "strategic advantage"),
    "export_probe": ("2025-01-31 11:00", "reports that US officials examine whether DeepSeek "
                     "bought Nvidia chips through intermediaries in Singapore; Lutnick at his "
                     "confirmation hearing (29 Jan) on stopping it. Every tightening of AI-chip "
                     "exports US officials weighed in public since 2022 was enacted (Oct 2022, "
                     "Oct 2023, Dec 2024, the 13 Jan 2025 diffusion rule); a probe is a step "
                     "before a rule: half that chance, 0.5, times all of the China AI revenue "
                     "(export variants such as the H20 would need licences): lost_share 0.5"),
}

DEEPSEEK_SHOCKS = (
    CapexGuidance(name="meta_capex", day=0, minute=-1, firm="META", capex_bn=62.5,
                  expected_bn=51.0, reach=0.5, spread_per_hour=4.0),
    AIDemandNews(name="r1_early", day=0, minute=60,
                 size=round(TIED["shocks.r1_early.size"][0] * _SIZE, 6), reach=0.02,
                 spread_per_hour=0.5),
    AIDemandNews(name="deepseek", day=1, minute=-1, size=_SIZE,
                 reach=CALIBRATION["shocks.deepseek.reach"][0],
                 spread_per_hour=CALIBRATION["shocks.deepseek.spread_per_hour"][0],
                 jevons_share=CALIBRATION["shocks.deepseek.jevons_share"][0],
                 jevons_size=round(TIED["shocks.deepseek.jevons_size"][0] * _SIZE, 6),
                 digest=CALIBRATION["shocks.deepseek.digest"][0],
                 digest_hours=CALIBRATION["shocks.deepseek.digest_hours"][0]),
    FirmStatement(name="nvidia_statement", day=2, minute=-1, firm="NVDA", size=0.0,
                  text="DeepSeek is an excellent AI advancement; inference needs many GPUs",
                  reach=0.4, spread_per_hour=2.0, persuades="deepseek"),
    ChipTariff(name="tariff_floated", day=2, minute=-1, rate=0.125, years=4.0, reach=0.4,
               spread_per_hour=2.0),
    CapexGuidance(name="msft_capex", day=4, minute=-1, firm="MSFT", capex_bn=80.0, reach=0.5,
                  spread_per_hour=4.0, persuades="deepseek"),
    CapexGuidance(name="meta_reaffirm", day=4, minute=-1, firm="META", capex_bn=62.5,
                  reach=0.5, spread_per_hour=4.0),
    ExportControl(name="export_probe", day=5, minute=90, lost_share=0.5, reach=0.2,
                  spread_per_hour=2.0),
)


@dataclass(frozen=True)
class DeepSeek(Scenario):
    """The DeepSeek week as timed shocks, calibrated on Nvidia's 27 January (`CALIBRATION`);
    the later shocks sized from evidence of their day (`EVIDENCE`)."""

    name: str = "deepseek"
    description: str = ("The DeepSeek week, 24-31 January 2025, calibrated on Nvidia's "
                        "27 January alone.")
    days: int = param(6, 1, 250, doc="trading days simulated")
    shocks: tuple = param(DEEPSEEK_SHOCKS,
                          doc="timed shocks (scenarios/library/shocks.py), by name")
