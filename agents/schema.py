"""One schema for investor kinds, their parameter columns and the motives of their orders.

`Kind` numbers the kinds as `Investors.kind` stores them (the compiled loop compares with these
codes as integers); `Motive` (market.Motive, re-exported) tags every order on the tape. Each kind
names the columns of its row of `Investors.par` in a `KindSchema`; the kernels read a column
through a module-level constant derived from it (e.g. ``FUNDAMENTAL.column("threshold")``), so no
column means one thing for one kind and another for the next by position alone.

Adding a kind: its decision function in agents/_kernels.py, its parameter dataclass in
agents/population.py, and one registration here (a `Kind` member and its `KindSchema` in
`SCHEMAS`). `KindRegistry.register` is the same registration for a registry of one's own (the
compiled loop dispatches on the built-in table: numba compiles and caches it once).
"""

from dataclasses import dataclass
from enum import IntEnum

from market.types import MOTIVE_NAMES, Motive

__all__ = ["Kind", "Motive", "MOTIVE_NAMES", "N_MOTIVES", "KindSchema", "KindRegistry",
           "SCHEMAS", "REGISTRY", "KIND_NAMES", "kind_code", "N_PAR"]

#: columns in `Investors.par`: every kind's row has this many (unused ones are 0)
N_PAR = 8
#: motives on the tape, NONE included (the last axis but one of `motive_volume`)
N_MOTIVES = len(Motive)


class Kind(IntEnum):
    """Investor kinds, by the code `Investors.kind` stores."""

    FUNDAMENTAL = 0
    MOMENTUM = 1
    NOISE = 2
    MARKET_MAKER = 3
    LEVERAGED = 4
    PASSIVE = 5
    # ABIDES's RMSC04 agents (scenarios/abides.py), for the comparison on equal work
    ABIDES_NOISE = 6
    ABIDES_VALUE = 7
    ABIDES_MOMENTUM = 8
    ABIDES_MAKER = 9
    # value traders who read news as news about the AI theme (agents/population.py Theme)
    THEME = 10

    @property
    def label(self) -> str:
        """The name used in reports and parameters, e.g. "market_maker"."""
        return self.name.lower()


@dataclass(frozen=True)
class KindSchema:
    """A kind's name and the meaning of each column of its parameter row (units in the doc).

    Attributes:
        code: the kind's code in `Investors.kind`.
        name: its label.
        columns: parameter names, column 0 first (column 0 is the order size in shares).
    """

    code: int
    name: str
    columns: tuple[str, ...]

    def __post_init__(self):
        if not 0 < len(self.columns) <= N_PAR or self.columns[0] != "size":
            raise ValueError(f"columns: 1 to {N_PAR} names, the first 'size' "
                             f"(got {self.columns})")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"columns: names must differ (got {self.columns})")

    def column(self, name: str) -> int:
        """The column of parameter `name` in this kind's row of `Investors.par`."""
        try:
            return self.columns.index(name)
        except ValueError:
            raise ValueError(f"{name}: not a parameter of {self.name} "
                             f"(one of {', '.join(self.columns)})") from None


class KindRegistry:
    """Kinds by code, with their schemas; codes are consecutive from 0."""

    def __init__(self, schemas=()):
        self._by_code: list[KindSchema] = []
        for sc in schemas:
            self.register(sc.name, sc.columns)

    def register(self, name: str, columns: tuple[str, ...]) -> KindSchema:
        """Add a kind called `name` whose parameter row has `columns`; return its schema."""
        if name in self.names or name == "any":
            raise ValueError(f"name: {name!r} is taken (kinds: {', '.join(self.names)})")
        sc = KindSchema(len(self._by_code), name, tuple(columns))
        self._by_code.append(sc)
        return sc

    @property
    def names(self) -> tuple[str, ...]:
        """Kind labels in code order."""
        return tuple(s.name for s in self._by_code)

    def __getitem__(self, code: int) -> KindSchema:
        return self._by_code[int(code)]

    def __len__(self) -> int:
        return len(self._by_code)

    def code(self, name: str) -> int:
        """The code of the kind called `name`."""
        if name not in self.names:
            raise ValueError(f"kind: {name!r} is not a kind (one of {', '.join(self.names)})")
        return self.names.index(name)


#: a value trader's parameter columns (fundamental and theme traders)
_VALUE_COLUMNS = ("size", "threshold", "take_prob", "position_limit", "doubt", "commitment",
                  "max_gross", "redemption")
#: the built-in kinds' parameter columns (agents/population.py fills them, the kernels read them)
SCHEMAS = (
    KindSchema(Kind.FUNDAMENTAL, "fundamental", _VALUE_COLUMNS),
    KindSchema(Kind.MOMENTUM, "momentum", ("size", "threshold", "slow_weight", "position_limit")),
    KindSchema(Kind.NOISE, "noise",
               ("size", "market_prob", "limit_distance", "dip_threshold", "dip_propensity")),
    KindSchema(Kind.MARKET_MAKER, "market_maker",
               ("size", "half_spread_bp", "widen", "inventory_limit", "withdraw_ratio")),
    KindSchema(Kind.LEVERAGED, "leveraged",
               ("size", "leverage_limit", "sell_fraction", "redemption")),
    KindSchema(Kind.PASSIVE, "passive", ("size",)),
    # ABIDES's RMSC04 kinds (agents/population.py AbidesNoise ...): size is a scale of RMSC04's
    # order-size model (1 = the model), for a maker its minimum order size (0 on the rows of its
    # ladder's other levels); ma_fast, ma_slow, seen, done_day and spread hold the agent's state
    KindSchema(Kind.ABIDES_NOISE, "abides_noise", ("size", "wake_s", "done_day")),
    KindSchema(Kind.ABIDES_VALUE, "abides_value",
               ("size", "obs_sd", "kappa", "r_bar", "aggressive_prob", "depth_spread")),
    KindSchema(Kind.ABIDES_MOMENTUM, "abides_momentum",
               ("size", "fast_n", "slow_n", "ma_fast", "ma_slow", "seen")),
    KindSchema(Kind.ABIDES_MAKER, "abides_maker",
               ("size", "pov", "level_spacing", "spread_alpha", "price_skew", "spread")),
    # a theme trader decides as a value trader does (the same columns, the same kernel), with
    # its own view of the news
    KindSchema(Kind.THEME, "theme", _VALUE_COLUMNS),
)
REGISTRY = KindRegistry(SCHEMAS)
#: kind labels in code order
KIND_NAMES = REGISTRY.names


def kind_code(name: str) -> int:
    """The code of the built-in kind called `name` (e.g. "noise")."""
    return REGISTRY.code(name)
