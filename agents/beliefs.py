"""Beliefs that move after the news: rows of news and readings, salience, conviction, and how a
reading of the news spreads from investor to investor.

What an investor believes about a stock is the public value plus, for each row it has heard,
that row's jump as it reads it (`agents/_kernels.py` `_view`)::

    view = public value + sum over heard rows k of  jump_k * conv_i * (1 + theta * salience_ik)

- a **row** is either news (its jump is in the true value: an investor who has not heard it
  misses it) or a **reading** of earlier news (a Jevons reading of the DeepSeek news: its jump
  is what an adopter adds to the news as told; it is in nobody's value but its adopters');
- **conviction** ``conv_i`` (mean 1, log-normal with sd ``conviction_sd``): heterogeneous priors,
  so that the same news moves investors by different amounts and they trade with each other
  (Harris & Raviv 1993; Kandel & Pearson 1995);
- **overreaction** ``theta`` while a row is salient: diagnostic expectations overweight what the
  news makes representative (Bordalo, Gennaioli & Shleifer 2018), salient news is overweighted
  (Bordalo, Gennaioli & Shleifer 2012); salience fades as ``exp(-(t - heard) / tau)`` with
  ``tau`` the salience time, so what was overreaction reverts and what was news stays (price
  moves with news drift, those without it reverse: Chan 2003; Savor 2012);
- a reading **spreads**: an adopter tells each neighbour on the information network after an
  exponential delay and persuades it with probability ``persuasion`` (an independent cascade;
  a neighbour adopts it once it has heard the news itself); later news that argues the reading
  (a firm's statement, capex reaffirmed) makes new adopters among its own hearers, who spread
  it in turn.

Everything here is numpy between steps; the compiled loop only reads the rows.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from .params import param

__all__ = ["Beliefs", "conviction", "add_row", "set_salience", "reading_times",
           "theme_jump"]


@dataclass(frozen=True)
class Beliefs:
    """How investors read news: overreaction while it is salient, conviction, persuasion.

    ``overreaction`` 0.4: salient news is overweighted by 1 / delta with delta about 0.7 in
    Bordalo, Gennaioli & Shleifer (2012, 2013)'s calibrations, so theta = 1 / 0.7 - 1; their
    diagnostic-expectations estimates run from about 0.5 (individual macro forecasters: Bordalo,
    Gennaioli, Ma & Shleifer 2020) to 0.9 (analysts' long-term growth: Bordalo, Gennaioli, La
    Porta & Shleifer 2019): 0.4 is at the cautious end. ``salience_days`` 2: an assumption of
    order, not fitted: attention to a news story (search volume, news coverage) fades within days
    (Da, Engelberg & Gao 2011; Tetlock 2011: stale news's price effect reverses within a week).
    ``conviction_sd`` 0.5: an assumption of order: on 27 January the sell-side split between
    "capex at risk" and "Jevons"; it makes readers of one news differ by about half its size.
    ``persuasion`` 0.1: the persuasion rates of communication measured in the field are mostly
    5-15% (DellaVigna & Gentzkow 2010), so an adopter persuades about one neighbour in ten.
    """

    overreaction: float = param(0.4, 0.0, 5.0, doc="theta: extra weight on news while it is "
                                "salient (diagnostic expectations)")
    salience_days: float = param(5.0, 0.01, 250.0, doc="time over which that extra weight "
                                 "fades (exp(-t / tau)), trading days")
    conviction_sd: float = param(0.5, 0.0, 3.0, doc="sd of the log weight each investor puts "
                                 "on news (mean weight 1): heterogeneous priors")
    persuasion: float = param(0.1, 0.0, 1.0, doc="probability that an adopter of a reading "
                              "persuades a neighbour who hears it")


def conviction(n: int, sd: float, rng: np.random.Generator) -> np.ndarray:
    """n convictions, log-normal with mean 1 and log sd `sd` (all 1 when sd is 0: no draws)."""
    if sd <= 0.0 or n == 0:
        return np.ones(n)
    return np.exp(sd * rng.standard_normal(n) - 0.5 * sd * sd)


def theme_jump(jump: np.ndarray, theme_w: np.ndarray, theme_a: np.ndarray) -> np.ndarray:
    """A row's jump as a theme trader reads it, per stock: the stock's AI-linked share of value
    times the theme's move per unit of that share (the row's jump averaged over the theme's
    weights, over their average share): every AI stock is marked by how AI it is, not by its
    own links."""
    w = np.asarray(theme_w, float)
    a = np.asarray(theme_a, float)
    unit = float(np.dot(w, jump)) / float(np.dot(w, a)) if np.dot(w, a) > 0 else 0.0
    return a * unit


def add_row(inv, mk, jump, hear, *, news: bool, fired_s: float, salience_s: float, theme_w,
            theme_a):
    """`inv` and `mk` with one more row: `jump` (log, per stock) heard at `hear` (seconds per
    investor, inf: never); `news` says whether it is news (in the value) or a reading; the
    theme's weights and AI-linked shares give the theme traders' reading (`theme_jump`)."""
    h = np.asarray(hear, float)
    hsal = np.zeros(h.size)
    ok = np.isfinite(h)
    hsal[ok] = np.exp(np.minimum(700.0, (h[ok] - fired_s) / salience_s))
    jump = np.asarray(jump, float)
    mk = mk._replace(jump=np.vstack([mk.jump, jump[None, :]]),
                     isnews=np.append(mk.isnews, 1.0 if news else 0.0),
                     tjump=np.vstack([mk.tjump, theme_jump(jump, theme_w, theme_a)[None, :]]),
                     sal=np.append(mk.sal, 1.0), fired=np.append(mk.fired, float(fired_s)))
    inv = inv._replace(hear=np.vstack([inv.hear, h[None, :]]),
                       hsal=np.vstack([inv.hsal, hsal[None, :]]))
    return inv, mk


def rehear(inv, mk, k: int, hear, salience_s: float) -> None:
    """Row `k` is now heard at `hear` (earlier times only win), in place."""
    h = np.minimum(inv.hear[k], np.asarray(hear, float))
    inv.hear[k] = h
    ok = np.isfinite(h)
    inv.hsal[k] = 0.0
    inv.hsal[k, ok] = np.exp(np.minimum(700.0, (h[ok] - mk.fired[k]) / salience_s))


def set_salience(mk, t: float, salience_s: float) -> None:
    """Each row's salience clock at time t (seconds): exp(-(t - fired) / tau), in place."""
    if mk.sal.size:
        mk.sal[:] = np.exp(-np.maximum(0.0, t - mk.fired) / salience_s)


def reading_times(indptr, indices, starts, heard, rate_per_hour: float, persuasion: float,
                  rng: np.random.Generator, horizon_s: float) -> np.ndarray:
    """When each investor adopts a reading (seconds; inf: never): an independent cascade.

    `starts[i]` is when investor i adopts it on its own (inf: not a seed); `heard[i]` when it
    heard the news the reading is of (nobody adopts a reading of news it has not heard). An
    adopter at time a tells each neighbour after a delay ~ Exponential(rate_per_hour) and
    persuades it with probability `persuasion`: one delay and one uniform are drawn per CSR
    entry, in CSR order, before the search. A neighbour persuaded at c adopts at
    max(c, its own hearing). Times past `horizon_s` are inf.
    """
    n = len(indptr) - 1
    best = np.minimum(np.asarray(starts, float), math.inf)
    heard = np.asarray(heard, float)
    best = np.where(np.isfinite(best), np.maximum(best, heard), math.inf)
    best[best > horizon_s] = math.inf
    if rate_per_hour <= 0.0 or persuasion <= 0.0 or not np.isfinite(best).any():
        return best
    m = len(indices)
    delay = rng.exponential(3600.0 / rate_per_hour, size=m)
    delay[rng.random(m) >= persuasion] = math.inf
    ptr, nbr = indptr.tolist(), indices.tolist()
    dl, hd, out = delay.tolist(), heard.tolist(), best.tolist()
    done = [False] * n
    heap = [(t, i) for i, t in enumerate(out) if t < math.inf]
    heapq.heapify(heap)
    while heap:
        t, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for e in range(ptr[u], ptr[u + 1]):
            v = nbr[e]
            if done[v] or dl[e] == math.inf:
                continue
            tv = max(t + dl[e], hd[v])
            if tv < out[v] and tv <= horizon_s:
                out[v] = tv
                heapq.heappush(heap, (tv, v))
    return np.array(out)
