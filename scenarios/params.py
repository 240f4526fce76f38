"""Parameter machinery for scenarios (defined in `agents.params`, the lowest layer using it)."""

from agents.params import *  # noqa: F401,F403
from agents.params import __all__  # noqa: F401
