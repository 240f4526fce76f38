"""The trading floor: a class trades in one shared world beside the agents (`selloff classroom`).

- `scenarios.floor.settings`: `Floor`, the students' settings (cash, shares, margin, limits).
- `scenarios.floor.orders`: an order request checked field by field; the buying-power rule.
- `scenarios.floor.world`: `FloorWorld`, the world with students' accounts in its exchange;
  `replay` rebuilds a session from its log.
- `scenarios.floor.log`: the session log (the seed and every action with its minute).
- `scenarios.floor.session`: `FloorSession`, the world stepped on its own thread at a set speed,
  snapshots for readers, an order queue drained between minutes, the controls and the debrief.
- `scenarios.floor.debrief`: the same seed without the students, and each channel off.

Nothing here speaks HTTP: viz/floor serves the session.
"""

from .orders import FloorError, Forbidden, OrderRequest, UnknownOrder, parse_order
from .settings import Floor, floor_fields, floor_from_dict, floor_with
from .world import Action, FloorWorld, Student, StudentOrder, check_floor, replay

__all__ = ["Floor", "floor_with", "floor_from_dict", "floor_fields", "FloorError", "Forbidden",
           "UnknownOrder", "OrderRequest", "parse_order", "FloorWorld", "Student",
           "StudentOrder", "Action", "replay", "check_floor"]
