// The student page: join, watch the market, send and cancel orders, follow your account.
// Polls the API once a second; the token stays in localStorage, so a refresh keeps you in.
"use strict";

(() => {
  const F = Floor, $ = F.$;
  const ROLE = "student";
  let selected = null;      // ticker shown in the chart and the book
  let side = "buy";
  let market = null;
  let me = null;
  let historyMinute = -1;
  let closes = [];
  let timer = null;

  function show(joined) {
    $("join").hidden = joined;
    $("floor").hidden = !joined;
    $("leave").hidden = !joined;
    F.text("who", joined ? F.savedName(ROLE) : "");
  }

  async function join(ev) {
    ev.preventDefault();
    const name = $("join-name").value, code = $("join-code").value;
    $("join-button").disabled = true;
    const r = await F.api(ROLE, "POST", "/api/join", { name, code });
    $("join-button").disabled = false;
    const msg = $("join-msg");
    if (!r.ok) {
      msg.className = "msg error";
      msg.textContent = (r.body && r.body.error) || ("error " + r.status);
      return;
    }
    if (r.body.role !== "student") {
      msg.className = "msg error";
      msg.textContent = "That is the instructor's code: open /instructor instead.";
      return;
    }
    F.setToken(ROLE, r.body.token, r.body.name);
    msg.textContent = "";
    show(true);
    start();
  }

  function leave() {
    F.forget(ROLE);
    show(false);
    if (timer) clearInterval(timer);
    timer = null;
  }

  function setSide(s) {
    side = s;
    $("o-buy").classList.toggle("on", s === "buy");
    $("o-sell").classList.toggle("on", s === "sell");
    $("o-send").textContent = "Send " + s + " order";
    $("o-send").className = s;
  }

  function typeChanged() {
    $("o-price").disabled = $("o-type").value === "market";
  }

  function pick(t) {
    if (t === selected) return;
    selected = t;
    $("o-ticker").value = t;
    historyMinute = -1;
    closes = [];
    const q = market && market.tickers[t];
    if (q) $("o-price").value = (q.last).toFixed(2);
    renderMarket();
    refreshTicker();
  }

  async function send(ev) {
    ev.preventDefault();
    const msg = $("order-msg");
    const type = $("o-type").value;
    const qtyText = $("o-qty").value.trim();
    const body = { ticker: $("o-ticker").value, side, type, qty: Number(qtyText) };
    if (!/^[0-9]+$/.test(qtyText)) body.qty = qtyText;  // let the server say what is wrong
    if (type === "limit") {
      const p = $("o-price").value.trim();
      body.price = p === "" ? null : Number(p);
    }
    $("o-send").disabled = true;
    const r = await F.api(ROLE, "POST", "/api/orders", body);
    $("o-send").disabled = false;
    if (r.status === 401) return leave();
    if (!r.ok) {
      msg.className = "msg error";
      msg.textContent = "Rejected: " + ((r.body && r.body.error) || ("error " + r.status));
      return;
    }
    msg.className = "msg ok";
    msg.textContent = `Order ${r.body.id} queued: ${side} ${body.qty} ${body.ticker} ` +
      (type === "limit" ? `at ${F.price(body.price)}` : "at market") +
      "; it enters the book at the start of the next minute.";
    poll();
  }

  async function cancel(id) {
    const r = await F.api(ROLE, "DELETE", "/api/orders/" + id);
    const msg = $("order-msg");
    if (r.status === 401) return leave();
    if (!r.ok) {
      msg.className = "msg error";
      msg.textContent = "Cancel refused: " + ((r.body && r.body.error) || r.status);
    } else {
      msg.className = "msg ok";
      msg.textContent = r.body.status === "cancelled" ? `Order ${id} cancelled.` :
        `Order ${id} will be cancelled at the start of the next minute.`;
    }
    poll();
  }

  function renderMarket() {
    if (!market) return;
    const m = market;
    F.text("clock", `${m.date} ${m.time}`);
    F.text("state", m.state.replace("_", " ") + (m.state === "running" ? ` · ${m.speed} min/s` : ""));
    const sel = $("o-ticker");
    const tickers = Object.keys(m.tickers);
    if (sel.options.length !== tickers.length) {
      sel.replaceChildren(...tickers.map((t) => new Option(t, t)));
      if (!selected) pick(tickers[0]);
    }
    const rows = tickers.map((t) => {
      const q = m.tickers[t];
      const held = me ? me.positions[t] : 0;
      return {
        attrs: { "data-ticker": t, class: "pick" + (t === selected ? " selected" : "") },
        cells: [t, F.price(q.bid), F.price(q.ask), F.price(q.last),
                { text: F.pct(q.change_pct), cls: q.change_pct > 0 ? "up" : q.change_pct < 0 ? "down" : "" },
                held ? F.int(held) : ""],
      };
    });
    F.fillTable($("tickers"), rows);
    const news = $("news");
    const items = m.news.slice().reverse().map((n) => {
      const li = document.createElement("li");
      const w = document.createElement("span");
      w.className = "when";
      w.textContent = `${n.date} ${n.time}`;
      li.append(w, document.createTextNode(n.text));
      return li;
    });
    news.replaceChildren(...items);
  }

  function renderMe() {
    if (!me) return;
    F.text("cash", F.money(me.cash));
    F.text("equity", F.money(me.equity));
    const pnl = $("pnl");
    pnl.textContent = F.money(me.pnl);
    F.sign(pnl, me.pnl);
    F.text("gross", F.money(me.gross));
    F.text("margin", me.margin_used === null ? "–" : (100 * me.margin_used).toFixed(1) + "%");
    F.text("power", F.money(me.buying_power));
    const forced = me.forced.length ? me.forced[me.forced.length - 1] : null;
    F.text("forced-msg", forced ? `Margin call at ${forced.date} ${forced.time}: your equity ` +
      `${F.money(forced.equity)} fell under ${100 * me.maintenance}% of your gross exposure ` +
      `${F.money(forced.gross)}; your positions were cut.` : "");
    const rows = me.orders.slice().reverse().map((o) => {
      let btn = "";
      if (o.status === "open" || o.status === "queued") {
        btn = document.createElement("button");
        btn.className = "small";
        btn.textContent = "cancel";
        btn.dataset.cancel = o.id;
      }
      const status = o.reason && o.status !== "filled" ? `${o.status}: ${o.reason}` : o.status;
      return { attrs: { "data-order": o.id }, cells: [o.forced ? "forced" : o.id, o.ticker, o.side, o.type,
        F.int(o.qty), o.price === null ? "market" : F.price(o.price), F.int(o.filled),
        { text: status, cls: (o.status === "rejected" ? "down " : "") + "wrap" }, btn] };
    });
    F.fillTable($("orders"), rows);
    F.fillTable($("fills"), me.fills.slice(-30).reverse().map((f) => [
      `${f.date.slice(5)} ${f.clock}`, f.ticker,
      { text: f.side + (f.forced ? " (forced)" : ""), cls: f.side === "buy" ? "up" : "down" },
      F.int(f.qty), F.price(f.price)]));
  }

  async function refreshTicker() {
    if (!selected || !market) return;
    const t = selected;
    const [b, h] = await Promise.all([
      F.api(ROLE, "GET", "/api/book/" + t),
      market.minute !== historyMinute ? F.api(ROLE, "GET", "/api/history/" + t) : null,
    ]);
    if (t !== selected) return;
    if (b && b.ok) {
      F.fillTable($("bids"), b.body.bids.map(([p, q]) => [F.price(p), F.int(q)]));
      F.fillTable($("asks"), b.body.asks.map(([p, q]) => [F.price(p), F.int(q)]));
    }
    if (h && h.ok) {
      historyMinute = h.body.minute;
      closes = h.body.close;
    }
    F.text("chart-title", `${t}: minute closes since the session began`);
    F.chart($("chart"), [{ values: closes, color: "#2456c9", label: t }], { days: 390 });
  }

  async function poll() {
    const [m, r, lb] = await Promise.all([
      F.api(ROLE, "GET", "/api/market"),
      F.api(ROLE, "GET", "/api/me"),
      F.api(ROLE, "GET", "/api/leaderboard"),
    ]);
    if (r.status === 401) return leave();  // the server restarted: join again
    if (m.ok) market = m.body;
    if (r.ok) me = r.body;
    renderMarket();
    renderMe();
    if (lb.ok) F.fillTable($("board"), lb.body.slice(0, 15).map((x) => [x.rank, x.name,
      { text: F.money(x.pnl), cls: x.pnl > 0 ? "up" : x.pnl < 0 ? "down" : "" }, F.pct(x.return_pct),
      F.int(x.trades)]));
    refreshTicker();
  }

  function start() {
    if (timer) clearInterval(timer);
    poll();
    timer = setInterval(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("join-form").addEventListener("submit", join);
    $("leave").addEventListener("click", leave);
    $("ticket").addEventListener("submit", send);
    $("o-buy").addEventListener("click", () => setSide("buy"));
    $("o-sell").addEventListener("click", () => setSide("sell"));
    $("o-type").addEventListener("change", typeChanged);
    $("o-ticker").addEventListener("change", (e) => pick(e.target.value));
    $("tickers").addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-ticker]");
      if (tr) pick(tr.dataset.ticker);
    });
    $("orders").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-cancel]");
      if (b) cancel(b.dataset.cancel);
    });
    setSide("buy");
    typeChanged();
    const joined = !!F.token(ROLE);
    show(joined);
    if (joined) start();
  });
})();
