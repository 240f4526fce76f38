"""Lesson text beside each preset: predict, run, explain. Short and concrete."""

__all__ = ["LESSONS", "lesson_for"]

_GENERIC = """### Predict, run, explain
1. **Predict**: which stock moves first when the shock fires, and which moves most?
2. **Run**: press *run to the next shock*, then *Play*. Watch the supply network.
3. **Explain**: in *settings*, pick the twin *supply network off* and *Reset to this minute*.
   Which stocks stop falling? Why?"""

LESSONS = {
    "deepseek": """### Predict, run, explain: the DeepSeek Monday
1. **Predict**: the news says AI needs less compute than the market expected. Will TSMC fall
   more or less than Nvidia? Will Microsoft fall at all?
2. **Run**: *jump to Mon 27 Jan before its opening auction*, then *Step one minute* (the
   auction) and *Play*. Does Nvidia fall all at once at the open, or over hours?
3. **Explain**: the dashed twin has the *supply network off*: how much of TSMC's fall is gone?
   Try the twin *news spread off* (*settings*): why does the price settle faster?
4. **Vary**: in *settings*, move *deepseek: size* halfway to 0 (a smaller shock) and *Reset to
   this minute*. Do forced trades still show in *who bought and sold*?""",
    "baseline": """### Predict, run, explain: a quiet week
1. **Predict**: with no news, how far from its previous close will Nvidia wander in a day?
2. **Run**: *Play* one day. Which motive sells on net (*who bought and sold*)?
3. **Explain**: in *settings*, set the leverage limit to its lowest and *Reset to the start*.
   Do forced trades appear without any news? Why (or why not)?""",
    "chip_tariffs": """### Predict, run, explain: a tariff on chips made abroad
1. **Predict**: who pays a tariff on imported chips: the designers (Nvidia, AMD) or the buyers
   (Microsoft, Meta)?
2. **Run**: *run to the next shock*, then *Play* the day.
3. **Explain**: in *settings*, raise *tariff: rate* to 0.5 and *Reset to this minute*. Which
   group's chart moves most?""",
    "export_controls": """### Predict, run, explain: export controls
1. **Predict**: which firms lose most when China AI sales are cut: those with the biggest China
   share or the biggest AI share?
2. **Run**: *run to the next shock*, then *Play*.
3. **Explain**: in *settings*, pick the twin *fire sales off* and *Reset to this minute*:
   does any stock with no China sales still fall? Through which funds?""",
    "taiwan_disruption": """### Predict, run, explain: TSMC stops for six weeks
1. **Predict**: TSMC's customers (Nvidia, AMD, Apple) or its suppliers (ASML): who falls more?
2. **Run**: *run to the next shock* (11:00), then *Play*. Watch the book of TSM: what happens to
   its depth when market makers pull back?
3. **Explain**: twin *liquidity withdrawal off*: how much of the first hour's fall was missing
   liquidity rather than news?""",
    "jevons": """### Predict, run, explain: Jevons' paradox
1. **Predict**: cheaper AI means more AI use (Jevons) or less spending on chips? What will half
   the market believing each do to Nvidia?
2. **Run**: *Play*, and *run to the next shock* when the usage figures arrive.
3. **Explain**: in *settings*, move *cheap_ai: jevons share* to 0 and *Reset to the start*.
   How does the first day change?""",
}


def lesson_for(name: str) -> str:
    """The lesson text (Markdown) for the preset `name`."""
    return LESSONS.get(name, _GENERIC)
