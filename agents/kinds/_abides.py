"""What ABIDES's RMSC04 kinds share: RMSC04's order-size model, compiled and as a twin.

Read from ABIDES's public RMSC04 configuration and agents (jpmorganchase/abides-jpmc-public,
abides-markets: configs/rmsc04.py and the agents it builds), written anew. Prices in ticks, as
ABIDES's cents.
"""

import math

import numpy as np

from ._jit import K, kernel

__all__ = ["abides_size", "abides_size_twin", "ABIDES_LOTS", "SESSION_S"]

#: RMSC04's order-size model: (weight, shares) of its round lots; the other 0.2 is log-normal
ABIDES_LOTS = ((0.7, 100), (0.06, 200), (0.004, 300), (0.0329, 400), (0.001, 500),
               (0.0006, 600), (0.0004, 700), (0.0005, 800), (0.0003, 900), (0.0003, 1000))
SESSION_S = 23_400  # seconds in a session, 09:30-16:00


@kernel
def abides_size(rs, scale):
    """An order size (shares) from RMSC04's order-size model, times `scale`; may be 0.

    The model is a mixture: weight 0.2 on a log-normal (mu 2.9, sigma 1.2), the rest on normals
    of sd 0.15 at 100, 200, ..., 1000 shares with weights 0.7, 0.06, 0.004, 0.0329, 0.001,
    0.0006, 0.0004, 0.0005, 0.0003, 0.0003, rounded to whole shares. A sd of 0.15 rounds to the
    centre but for 1 draw in 1,100, so the round lots are drawn exactly.
    """
    u = K.uniform(rs)
    if u < 0.2:
        x = np.exp(2.9 + 1.2 * K.normal(rs))
    else:
        u -= 0.2
        lot = 1
        for w in (0.7, 0.06, 0.004, 0.0329, 0.001, 0.0006, 0.0004, 0.0005, 0.0003):
            if u < w:
                break
            u -= w
            lot += 1
        x = 100.0 * lot
    return int(np.floor(x * scale + 0.5))



def abides_size_twin(rng, scale: float) -> int:
    """One draw of RMSC04's order size (shares) times `scale`, rounded half up: a uniform u;
    below 0.2 a log-normal exp(2.9 + 1.2 z), else the round lot whose cumulative weight
    (from 0.2) first passes u."""
    u = rng.uniform()
    if u < 0.2:
        x = math.exp(2.9 + 1.2 * rng.normal())
    else:
        edge, x = 0.2, 1000.0
        for w, lot in ABIDES_LOTS:
            edge += w
            if u < edge:
                x = float(lot)
                break
    return math.floor(x * scale + 0.5)
