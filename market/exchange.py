"""The multi-stock `Exchange`: books, accounts, settlement, tape, auctions, halts and bars.

The simulation's compiled loop calls the same kernels through `market.compiled`; this class is the
Python face for everything else (tests, notebooks, the model between steps).

Time is in seconds since the first session's open: day d's session is [d * 23400, (d+1) * 23400).
"""

from dataclasses import dataclass

import numpy as np

from . import _kernels as K
from .book import _FIELDS
from .state import (
    grow_pool,
    grow_tape,
    new_accounts,
    new_book,
    new_pool,
    new_rules,
    new_tape,
    regrid_book,
    tape_records,
)
from .types import BAR_DTYPE, RESTING_DTYPE, SESSION_SECONDS, InvalidOrderError

__all__ = ["Exchange", "MarketRules", "SESSION_SECONDS", "bars_from_tape"]

#: Largest level window of one book (a dense array of 64-byte levels, 256 MiB at most): prices
#: up to about $40,000 from the book at 1 cent a tick.
MAX_LEVELS = 1 << 22


@dataclass(frozen=True)
class MarketRules:
    """Market rules a US equity trader would recognise; each can be switched off.

    LULD follows the Tier 1 rule in spirit: the band is +-`luld_band_pct` around the mean price of
    the last five minutes; orders beyond it are repriced to the band; a book pinned at the band
    for `luld_wait_s` seconds pauses for `luld_pause_s` seconds and reopens by auction. The
    market-wide circuit breaker halts every book for `cb_halt_s` seconds when the cap-weighted
    index of the universe falls `cb_levels_pct[0]` or `[1]` percent below the previous close
    (each level once a day), and for the rest of the day at `[2]` percent.
    """

    auctions: bool = True
    luld: bool = True
    luld_band_pct: float = 5.0
    luld_wait_s: int = 15
    luld_pause_s: int = 300
    circuit_breaker: bool = True
    cb_levels_pct: tuple[float, float, float] = (7.0, 13.0, 20.0)
    cb_halt_s: int = 900
    self_trade_prevention: bool = False


class Exchange:
    """Books for `n_stocks` stocks and accounts for `n_traders` traders, all in integer units.

    Args:
        ref_prices: per stock, a reference price in ticks (cents); each book's level window is
            built around it (from a quarter to four times the price) and re-gridded if an order
            falls outside.
        n_traders: number of accounts; cash in cents, shares per stock, both int64.
        rules: market rules.
        pool_capacity: initial number of resting-order slots (grows on demand).
    """

    def __init__(self, ref_prices, n_traders: int, rules: MarketRules | None = None,
                 pool_capacity: int = 1 << 16, tape_capacity: int = 1 << 16):
        ref = np.asarray(ref_prices, np.int64).reshape(-1)
        if ref.size == 0 or (ref < 1).any():
            raise ValueError("ref_prices: every reference price must be >= 1 tick")
        if int(n_traders) < 1:
            raise ValueError(f"n_traders: must be >= 1 (got {n_traders})")
        self.rules = rules or MarketRules()
        self.n_stocks = ref.size
        self.n_traders = int(n_traders)
        # the level window: half to twice the reference price (a re-grid moves it if a price
        # leaves it); each level is 64 bytes, so the window's width is the exchange's memory
        base = np.maximum(1, ref // 2)
        nlev = ref * 2 - base + 1
        self.book = new_book(base, nlev)
        self.pool = new_pool(pool_capacity)
        self.acc = new_accounts(self.n_traders, self.n_stocks)
        self.tape = new_tape(tape_capacity)
        r = self.rules
        self.kr = new_rules(
            self.n_stocks, stp=r.self_trade_prevention, luld=r.luld, luld_wait=r.luld_wait_s,
            luld_pause=r.luld_pause_s, band_bp=int(round(r.luld_band_pct * 100)),
            max_levels=int(nlev.max()),
        )
        self.kr.rs[:, K.REF] = ref
        self.kr.ring[:] = ref[:, None]
        self.prev_close = ref.copy()
        self.day = -1
        self.tob = np.zeros((self.n_stocks, 2, SESSION_SECONDS), np.int64)
        self._cb_fired = set()
        self._day_tape_start = 0

    # -- accounts -------------------------------------------------------------------------------

    @property
    def cash(self) -> np.ndarray:
        """Cash per trader in cents (a live view)."""
        return self.acc.cash

    @property
    def shares(self) -> np.ndarray:
        """Shares per trader and stock (a live view)."""
        return self.acc.shares

    def endow(self, cash_cents=None, shares=None) -> None:
        """Set starting cash (int cents per trader) and shares (int, traders x stocks).

        Endowments fix the totals that trading conserves; call before the first order.
        """
        if cash_cents is not None:
            self.acc.cash[:] = np.asarray(cash_cents, np.int64)
        if shares is not None:
            self.acc.shares[:] = np.asarray(shares, np.int64)

    def open_accounts(self, cash_cents, shares) -> None:
        """Replace every account with one per row of `cash_cents` (int cents, [N]) and `shares`
        (int, [N, n_stocks]): the exchange then has N traders. Call before the first order."""
        cash = np.asarray(cash_cents, np.int64)
        sh = np.asarray(shares, np.int64)
        if sh.shape != (cash.size, self.n_stocks):
            raise ValueError(f"shares: must have shape ({cash.size}, {self.n_stocks}) "
                             f"(got {sh.shape})")
        self.n_traders = int(cash.size)
        self.acc = new_accounts(self.n_traders, self.n_stocks)
        self.acc.cash[:] = cash
        self.acc.shares[:] = sh

    def add_accounts(self, cash_cents, shares) -> int:
        """Open one more account per row of `cash_cents` (int cents, [K]) and `shares` (int,
        [K, n_stocks]) beside the existing ones, at any time between calls; return the index of
        the first new account (the others follow it).

        The existing accounts keep their indices and balances; the totals that trading conserves
        grow by the new endowments. Compiled callers see the new accounts from the next
        `kernel_state()` on (the arrays are replaced, not grown in place).
        """
        cash = np.asarray(cash_cents).reshape(-1)
        sh = np.asarray(shares)
        if cash.size == 0:
            raise ValueError("cash_cents: must hold at least one account (got none)")
        for name, arr in (("cash_cents", cash), ("shares", sh)):
            if arr.dtype.kind not in "iu":
                raise ValueError(f"{name}: must be integers (cents, shares) (got {arr.dtype})")
        if sh.shape != (cash.size, self.n_stocks):
            raise ValueError(f"shares: must have shape ({cash.size}, {self.n_stocks}) "
                             f"(got {sh.shape})")
        first = self.n_traders
        acc = new_accounts(first + cash.size, self.n_stocks)
        acc.cash[:first] = self.acc.cash
        acc.shares[:first] = self.acc.shares
        acc.cash[first:] = cash
        acc.shares[first:] = sh
        self.acc = acc
        self.n_traders = first + int(cash.size)
        return first

    def resting_orders(self, first_trader: int = 0, stop_trader: int | None = None) -> np.ndarray:
        """Orders resting in the books from accounts first_trader .. stop_trader - 1 (all by
        default), as RESTING_DTYPE rows in pool-slot order: id, trader, stock, side, the price
        they rest at (ticks) and the shares left."""
        o = self.pool.o
        stop = self.n_traders if stop_trader is None else int(stop_trader)
        live = (o[:, K.QTY] > 0) & (o[:, K.TRADER] >= int(first_trader)) & (
            o[:, K.TRADER] < stop)
        rows = o[live]
        out = np.zeros(rows.shape[0], RESTING_DTYPE)
        out["id"] = rows[:, K.OID]
        out["trader"] = rows[:, K.TRADER]
        out["stock"] = rows[:, K.STOCK]
        out["side"] = (rows[:, K.SM] & 3) - 1
        out["price"] = self.book.bs[rows[:, K.STOCK], K.BASE] + rows[:, K.LVL]
        out["qty"] = rows[:, K.QTY]
        return out

    # -- compiled callers ----------------------------------------------------------------------

    def kernel_state(self) -> tuple:
        """The state tuples a compiled caller takes (market.compiled): (book, pool, accounts,
        tape, rules, top of book). Re-read after `grow_buffers`: growing replaces them."""
        return self.book, self.pool, self.acc, self.tape, self.kr, self.tob

    def grow_buffers(self) -> None:
        """Make room after a compiled caller returned because `room_ok` failed: the tape grows
        to four times its rows (plus what it holds), the pool doubles if under half is free."""
        self._ensure_tape(4 * self.tape.rows.shape[0])
        if self.pool.meta[0] < self.pool.o.shape[0] // 2:
            self.pool = grow_pool(self.pool, 2 * self.pool.o.shape[0])

    @property
    def orders_received(self) -> int:
        """Orders received since the start (cancels included)."""
        return int(self.pool.meta[1])

    # -- sessions ---------------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """The exchange clock, seconds since the first day's open."""
        return int(self.kr.clock[K.C_NOW])

    def start_day(self, day: int) -> None:
        """Begin session `day`: clock to its open, books in the call phase if auctions are on."""
        if day <= self.day:
            raise ValueError(f"day: must be > {self.day} (got {day})")
        self.day = int(day)
        t0 = self.day * SESSION_SECONDS
        self.kr.clock[K.C_NOW] = t0
        self.kr.clock[K.C_DAY0] = t0
        self.kr.clock[K.C_TOB] = 0
        self.tob[:] = 0
        self._cb_fired = set()
        self._day_tape_start = int(self.tape.n[0])
        self.kr.rs[:, K.HALT_UNTIL] = -1
        self.kr.rs[:, K.LIMIT_SINCE] = -1
        self.kr.rs[:, K.CALL] = 1 if self.rules.auctions else 0
        self._recentre()

    def _recentre(self) -> None:
        """Move the level window of a stock with no resting orders whose previous close has come
        within a factor 1.5 of an edge of it to half to twice that close: the agents' prices are
        clipped to the window, so a stock that halves or doubles over days keeps its room."""
        bs = self.book.bs
        for s in range(self.n_stocks):
            p = int(self.prev_close[s])
            base, top = int(bs[s, K.BASE]), int(bs[s, K.BASE] + bs[s, K.NLEV] - 1)
            room_below = base == 1 or 2 * p >= 3 * base
            room_above = 2 * top >= 3 * p
            if bs[s, K.NBID] + bs[s, K.NASK] or (room_below and room_above):
                continue
            lo = max(1, p // 2)
            n = 2 * p - lo + 1
            self.book = regrid_book(self.book, self.pool, s, lo, n)
            bs = self.book.bs
            if n > self.kr.scratch.shape[1]:
                self.kr = self.kr._replace(scratch=np.zeros((2, n), np.int64))

    def open_auction(self) -> np.ndarray:
        """Uncross every book in the call phase at the open; return prices in ticks (-1: none)."""
        return self._auction(self.kr.rs[:, K.REF].copy())

    def start_closing_call(self) -> None:
        """Stop continuous trading: orders now queue for the closing auction."""
        if self.rules.auctions:
            self.kr.rs[:, K.CALL] = 1

    def close_auction(self) -> np.ndarray:
        """Run the closing auction (if auctions are on) and fix the day's closing prices (ticks)."""
        t_close = (self.day + 1) * SESSION_SECONDS
        self.advance(max(self.now, t_close - 1))
        # a pause or halt running into the close ends with the closing auction (or, with
        # auctions off, with the day): nothing reopens after 16:00
        self.kr.rs[:, K.HALT_UNTIL] = -1
        self.kr.rs[:, K.LIMIT_SINCE] = -1
        prices = self._auction(self.kr.rs[:, K.LAST].copy()) if self.rules.auctions else None
        self.advance(max(self.now, t_close))
        last = self.kr.rs[:, K.LAST]
        close = np.where(last > 0, last, self.prev_close)
        if prices is not None:
            close = np.where(prices > 0, prices, close)
        self.prev_close = close.copy()
        self.kr.rs[:, K.CALL] = 1  # nothing trades between sessions
        return close

    def cancel_all(self) -> int:
        """Cancel every resting order (day orders expire at the close); return how many.

        The same as submitting a CANCEL for each live order in slot order, in one compiled pass.
        """
        return int(K.cancel_live(self.book, self.pool))

    def _auction(self, refs) -> np.ndarray:
        stocks = np.flatnonzero(self.kr.rs[:, K.CALL] != 0).astype(np.int64)
        out = np.full(self.n_stocks, -1, np.int64)
        if stocks.size == 0:
            return out
        self._ensure_tape(self._live_orders() + 1)
        res = np.full(stocks.size, -1, np.int64)
        K.open_stocks(self.book, self.pool, self.acc, self.tape, self.kr, stocks, self.now,
                      np.ascontiguousarray(refs[stocks]), res)
        out[stocks] = res
        return out

    def advance(self, t: int) -> None:
        """Move the clock to t: record top of book, roll LULD references, end pauses.

        Raises:
            ValueError: when t is before the exchange clock (time never goes back).
        """
        if int(t) < self.now:
            raise ValueError(f"t: must be >= the exchange clock ({self.now}) (got {t})")
        while K.advance(self.book, self.pool, self.acc, self.tape, self.kr, int(t),
                        self.tob) == K.TAPE_FULL:
            self._ensure_tape(self._live_orders() + 1)

    def check_circuit_breaker(self, shares_outstanding) -> int:
        """Halt every book if the cap-weighted index fell past a level; return the level hit (0-3).

        `shares_outstanding` weights each stock's move; the index compares last prices with the
        previous closes. Levels 1 and 2 halt for `cb_halt_s` seconds (once each a day), level 3
        for the rest of the day.
        """
        if not self.rules.circuit_breaker:
            return 0
        w = np.asarray(shares_outstanding, np.float64) * self.prev_close
        last = np.where(self.kr.rs[:, K.LAST] > 0, self.kr.rs[:, K.LAST], self.prev_close)
        change = 100.0 * ((w * last / self.prev_close).sum() / w.sum() - 1.0)
        level = 0
        for i, pct in enumerate(self.rules.cb_levels_pct):
            if change <= -pct:
                level = i + 1
        if level == 0 or level in self._cb_fired:
            return 0
        self._cb_fired.add(level)
        end_of_day = (self.day + 1) * SESSION_SECONDS
        until = end_of_day if level == 3 else min(self.now + self.rules.cb_halt_s, end_of_day)
        self.kr.rs[:, K.CALL] = 1
        self.kr.rs[:, K.HALT_UNTIL] = until
        return level

    # -- orders -----------------------------------------------------------------------------------

    def submit(self, orders: np.ndarray) -> np.ndarray:
        """Process ORDER_DTYPE rows in order (time, stock, trader, motive columns used).

        A cancel names the order by `id`; other rows' ids are ignored and the exchange assigns
        them. Returns every row's order id (a cancel returns the id it named).

        Raises:
            InvalidOrderError: naming the first invalid row and field.
        """
        orders = np.asarray(orders).reshape(-1)
        side, kind, price, qty, trader, stock, time = self._validate(orders)
        ids = orders["id"].astype(np.int64)
        motive = orders["motive"]
        start = 0
        while True:
            st, row = K.submit_batch(self.book, self.pool, self.acc, self.tape, self.kr, side, kind,
                                     price, qty, trader, stock, motive, time, ids, start, self.tob)
            if st == K.OK:
                return ids
            start = int(row)
            if st == K.TAPE_FULL:
                self._ensure_tape(self._live_orders() + 1)
            elif st == K.POOL_FULL:
                self.pool = grow_pool(self.pool, 2 * self.pool.o.shape[0])
            elif st == K.OFF_GRID:
                self._regrid(int(stock[row]), int(price[row]), start)

    def _validate(self, orders: np.ndarray) -> tuple:
        need = ("side", "kind", "price", "qty", "trader", "stock", "time")
        if orders.dtype.names is None or not {"id", "motive", *need} <= set(orders.dtype.names):
            raise TypeError("orders must be a structured array with the fields of ORDER_DTYPE")
        cols = tuple(orders[f] for f in need)  # views, no copies
        out = np.zeros(2, np.int64)
        plo, phi = self._reach()
        K.scan_exchange(*cols, self.n_stocks, self.n_traders, self.now, plo, phi, out)
        if out[0] >= 0:
            row = int(out[0])
            stock = int(orders["stock"][row]) if 0 <= orders["stock"][row] < self.n_stocks else 0
            field, allowed = {
                **_FIELDS,
                K.F_STOCK: ("stock", f"a stock index in [0, {self.n_stocks - 1}]"),
                K.F_TRADER: ("trader", f"a trader index in [0, {self.n_traders - 1}]"),
                K.F_TIME: ("time", f"non-decreasing and >= the exchange clock ({self.now})"),
                K.F_REACH: ("price", f"in [{plo[stock]}, {phi[stock]}] ticks, the prices stock "
                            f"{stock}'s level window can reach"),
            }[int(out[1])]
            raise InvalidOrderError(row, field, allowed, orders[field][row].item())
        return cols

    def _live_orders(self) -> int:
        return int(self.book.bs[:, K.NBID].sum() + self.book.bs[:, K.NASK].sum())

    def _ensure_tape(self, room: int) -> None:
        need = int(self.tape.n[0]) + int(room)
        if need > self.tape.rows.shape[0]:
            self.tape = grow_tape(self.tape, max(need, 4 * self.tape.rows.shape[0]))

    def _reach(self):
        """Per stock, the lowest and highest price (ticks) a re-grid can cover."""
        bs = self.book.bs
        base, nlev = bs[:, K.BASE], bs[:, K.NLEV]
        top = base + nlev - 1
        # _regrid covers [min(base, p - nlev/2), max(top, p + nlev/2)] in at most MAX_LEVELS
        phi = base + MAX_LEVELS - 1 - nlev // 2
        plo = np.maximum(1, top - MAX_LEVELS + 1 + nlev // 2)
        return plo.astype(np.int64), phi.astype(np.int64)

    def _regrid(self, stock: int, price: int, row: int) -> None:
        bs = self.book.bs
        base, nlev = int(bs[stock, K.BASE]), int(bs[stock, K.NLEV])
        lo = min(base, max(1, price - nlev // 2))
        hi = max(base + nlev - 1, price + nlev // 2)
        if hi - lo + 1 > MAX_LEVELS:
            # the window is a dense array of levels: refuse a price it cannot reach sensibly
            ref = int(self.kr.rs[stock, K.REF]) or base
            raise InvalidOrderError(
                row, "price", f"within {MAX_LEVELS // 2:,} ticks of the book of stock {stock} "
                f"(around {ref})", price)
        self.book = regrid_book(self.book, self.pool, stock, lo, hi - lo + 1)
        if hi - lo + 1 > self.kr.scratch.shape[1]:
            scratch = np.zeros((2, hi - lo + 1), np.int64)
            self.kr = self.kr._replace(scratch=scratch)

    # -- outputs ----------------------------------------------------------------------------------

    def drain(self) -> np.ndarray:
        """Return the fills written since the last drain (TAPE_DTYPE) and empty the tape.

        The buffer is reused, so a long run keeps its memory bounded and never re-faults pages.
        """
        out = self.trades(0).copy()
        self.tape.n[0] = 0
        self._day_tape_start = 0
        return out

    def drain_into_bar(self, last_close, bar, motive_volume) -> None:
        """Empty the tape into one bar per stock instead of returning the fills (`drain`).

        `bar[S, 6]` is overwritten with open, high, low, close, volume, trades (a stock with no
        fill gets `last_close` as its four prices); `motive_volume[S, M, 2]` gains each fill's
        shares under its buyer's (0) and seller's (1) motive. One compiled pass, no copy.
        """
        last = np.ascontiguousarray(last_close, np.int64)  # one compiled signature
        K.minute_bar(self.tape.rows, int(self.tape.n[0]), last, bar, motive_volume)
        self.tape.n[0] = 0
        self._day_tape_start = 0

    def trades(self, start: int = 0) -> np.ndarray:
        """The tape from fill `start` on, as TAPE_DTYPE records."""
        return tape_records(self.tape, start)

    def best(self, stock: int) -> tuple[int, int]:
        """(best bid, best ask) of a stock in ticks; 0 for an empty side."""
        bs = self.book.bs[stock]
        bid = int(bs[K.BASE] + bs[K.BBEST]) if bs[K.BBEST] >= 0 else 0
        ask = int(bs[K.BASE] + bs[K.ABEST]) if bs[K.ABEST] < bs[K.NLEV] else 0
        return bid, ask

    def depth(self, stock: int, levels: int = 10):
        """Depth snapshot: (bid prices, bid shares, ask prices, ask shares), best first, in ticks.

        Only non-empty price levels are listed, up to `levels` a side.
        """
        bs = self.book.bs[stock]
        lv = self.book.lv[bs[K.OFF] : bs[K.OFF] + bs[K.NLEV]]
        bid_l = np.flatnonzero(lv[:, K.DEP] > 0)[::-1][:levels]
        ask_l = np.flatnonzero(lv[:, 4 + K.DEP] > 0)[:levels]
        return (bid_l + bs[K.BASE], lv[bid_l, K.DEP].copy(), ask_l + bs[K.BASE],
                lv[ask_l, 4 + K.DEP].copy())

    def last_prices(self) -> np.ndarray:
        """Last trade price per stock in ticks, the previous close where none has traded."""
        last = self.kr.rs[:, K.LAST]
        return np.where(last > 0, last, self.prev_close)

    def depth_by_tick(self, stock: int, ticks: int = 10):
        """Shares resting at the best bid and the `ticks - 1` prices below it, and at the best
        ask and the prices above it (empty prices included, as 0): (bid[ticks], ask[ticks]).
        None when a side is empty or the book's level window ends within `ticks` of a best."""
        bs = self.book.bs[stock]
        off, nlev, bb, ab = bs[K.OFF], bs[K.NLEV], bs[K.BBEST], bs[K.ABEST]
        if not (bb >= ticks - 1 and ab <= nlev - ticks):
            return None
        lv = self.book.lv
        return (lv[off + bb - np.arange(ticks), K.DEP], lv[off + ab + np.arange(ticks), 4 + K.DEP])

    def mean_spread(self, start: int, stop: int) -> np.ndarray:
        """Per stock, the quoted spread (ticks) averaged over the seconds start..stop-1 of the
        current session at which both sides were quoted; NaN for a stock never quoted so."""
        bid = self.tob[:, 0, start:stop]
        ask = self.tob[:, 1, start:stop]
        ok = (bid > 0) & (ask > 0)
        with np.errstate(invalid="ignore"):
            return np.where(ok.any(axis=1),
                            ((ask - bid) * ok).sum(axis=1) / np.maximum(1, ok.sum(1)), np.nan)

    def day_bars(self) -> np.ndarray:
        """One-minute OHLCV bars of the current day (BAR_DTYPE), from the tape."""
        tr = self.trades(self._day_tape_start)
        return bars_from_tape(tr, self.n_stocks, self.day, self._open_ref())

    def _open_ref(self) -> np.ndarray:
        return self.prev_close


def bars_from_tape(trades: np.ndarray, n_stocks: int, day: int, prev_close) -> np.ndarray:
    """One-minute OHLCV bars of `day` for every stock (390 each), from TAPE_DTYPE fills.

    A minute with no trade has zero volume and open = high = low = close = the last price
    (`prev_close` before the first trade). Prices in ticks.
    """
    m_per_day = SESSION_SECONDS // 60
    t0 = day * SESSION_SECONDS
    sel = (trades["time"] >= t0) & (trades["time"] < t0 + SESSION_SECONDS)
    tr = trades[sel]
    minute = (tr["time"] - t0) // 60
    key = tr["stock"] * m_per_day + minute
    n = n_stocks * m_per_day
    volume = np.bincount(key, weights=tr["qty"], minlength=n).astype(np.int64)
    count = np.bincount(key, minlength=n).astype(np.int64)
    high = np.full(n, np.iinfo(np.int64).min)
    low = np.full(n, np.iinfo(np.int64).max)
    np.maximum.at(high, key, tr["price"])
    np.minimum.at(low, key, tr["price"])
    openp = np.zeros(n, np.int64)
    close = np.zeros(n, np.int64)
    # fills are in time order: the first fill of a key is its open, the last its close
    uniq, first_idx = np.unique(key, return_index=True)
    _, last_rev = np.unique(key[::-1], return_index=True)
    last_idx = key.size - 1 - last_rev
    openp[uniq] = tr["price"][first_idx]
    close[uniq] = tr["price"][last_idx]
    has = count > 0
    # forward-fill the last price through empty minutes, per stock
    out = np.zeros(n, BAR_DTYPE)
    prev = np.asarray(prev_close, np.int64)
    close2 = close.reshape(n_stocks, m_per_day)
    has2 = has.reshape(n_stocks, m_per_day)
    idx = np.where(has2, np.arange(m_per_day)[None, :], -1)
    np.maximum.accumulate(idx, axis=1, out=idx)
    filled = np.where(idx >= 0, np.take_along_axis(close2, np.maximum(idx, 0), axis=1),
                      prev[:, None])
    fill = filled.reshape(-1)
    out["minute"] = day * m_per_day + np.tile(np.arange(m_per_day), n_stocks)
    out["stock"] = np.repeat(np.arange(n_stocks), m_per_day)
    out["open"] = np.where(has, openp, fill)
    out["high"] = np.where(has, high, fill)
    out["low"] = np.where(has, low, fill)
    out["close"] = np.where(has, close, fill)
    out["volume"] = volume
    out["trades"] = count
    return out
