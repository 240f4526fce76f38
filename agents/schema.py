"""One schema for investor kinds, their parameter columns and the motives of their orders.

`Kind` numbers the kinds as `Investors.kind` stores them (the compiled loop compares with these
codes as integers); `Motive` (market.Motive, re-exported) tags every order on the tape. Each kind
names the columns of its row of `Investors.par` in a `KindSchema`; the kernels read a column
through a module-level constant derived from it (e.g. ``FUNDAMENTAL.column("threshold")``), so no
column means one thing for one kind and another for the next by position alone.

Adding a kind: its own module (parameters, decision function, twin, build hooks) and one
`agents.kinds.register` call in it, which registers its columns here and its decision function
in the compiled dispatch (agents/kinds/__init__.py). `SCHEMAS` are the built-in kinds' schemas,
in `Kind`'s order, as their modules in agents/kinds/ declare them.
"""

from dataclasses import dataclass
from enum import IntEnum

from market.types import MOTIVE_NAMES, Motive

__all__ = ["Kind", "Motive", "MOTIVE_NAMES", "N_MOTIVES", "KindSchema", "KindRegistry",
           "SCHEMAS", "REGISTRY", "KIND_NAMES", "kind_code", "N_PAR"]  # noqa: F822

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
    # ABIDES's RMSC04 agents (scenarios/library/abides.py), for the comparison on equal work
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


#: the built-in kinds' registry: each kind's module in agents/kinds/ registers into it
#: (`agents.kinds.register`); read it as `REGISTRY`, which loads the built-in kinds first
_REGISTRY = KindRegistry()
#: kind labels of the built-in kinds, in code order
KIND_NAMES = tuple(k.label for k in Kind)


def _loaded() -> KindRegistry:
    from . import kinds  # noqa: F401  (registers the built-in kinds)

    return _REGISTRY


def __getattr__(name: str):
    # SCHEMAS and REGISTRY come from the kinds' own modules: import them on first use
    if name == "REGISTRY":
        return _loaded()
    if name == "SCHEMAS":
        reg = _loaded()
        return tuple(reg[int(k)] for k in Kind)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def kind_code(name: str) -> int:
    """The code of the registered kind called `name` (e.g. "noise")."""
    return _loaded().code(name)
