// The instructor's page: the session's controls, the class live, the leaderboard, exports and
// the debrief. The admin token stays in localStorage (a refresh keeps the controls).
"use strict";

(() => {
  const F = Floor, $ = F.$;
  const ROLE = "instructor";
  let timer = null;
  let status = null;
  let debriefTicker = null;
  let debriefPathsAt = null;
  let resetArmed = false;

  function show(joined) {
    $("join-admin").hidden = joined;
    $("desk").hidden = !joined;
    $("leave").hidden = !joined;
    F.text("who", joined ? F.savedName(ROLE) : "");
  }

  async function join(ev) {
    ev.preventDefault();
    const r = await F.api(ROLE, "POST", "/api/join",
      { name: $("admin-name").value, code: $("admin-code").value });
    const msg = $("admin-msg");
    if (!r.ok || r.body.role !== "instructor") {
      msg.className = "msg error";
      msg.textContent = r.ok ? "That is the class code, not the admin code." :
        ((r.body && r.body.error) || ("error " + r.status));
      return;
    }
    F.setToken(ROLE, r.body.token, r.body.name);
    show(true);
    start();
  }

  function leave() {
    F.forget(ROLE);
    show(false);
    if (timer) clearInterval(timer);
    timer = null;
  }

  async function control(body) {
    const r = await F.api(ROLE, "POST", "/api/control", body);
    const msg = $("control-msg");
    if (r.status === 401) return leave();
    if (!r.ok) {
      msg.className = "msg error";
      msg.textContent = (r.body && r.body.error) || ("error " + r.status);
    } else {
      msg.className = "msg ok";
      msg.textContent = `${body.action}: done (the session is ${r.body.state.replace("_", " ")}).`;
      status = r.body;
      renderStatus();
    }
    poll();
  }

  async function download(path, name) {
    const r = await fetch(path, { headers: { Authorization: "Bearer " + F.token(ROLE) } });
    if (!r.ok) {
      $("control-msg").className = "msg error";
      $("control-msg").textContent = "export failed: " + r.status;
      return;
    }
    const blob = await r.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  function renderStatus() {
    if (!status) return;
    const s = status;
    F.text("state", s.state.replace("_", " "));
    F.text("s-students", String(s.students));
    F.text("s-speed", `${s.speed} min/s`);
    F.text("s-lag", `${s.lag_min.toFixed(2)} (max ${s.lag_max_min.toFixed(2)})`);
    F.text("s-queued", String(s.queued));
    F.text("s-run", `${s.scenario} · ${s.seed}`);
    if (s.error) {  // the world's thread stopped: say so where the controls are
      $("control-msg").className = "msg error";
      $("control-msg").textContent = "The session stopped: " + s.error;
    }
    const sp = $("c-speed");
    if (!sp.dataset.touched && document.activeElement !== sp) sp.value = s.speed;
    $("c-start").disabled = s.state !== "not_started";
    $("c-pause").disabled = s.state !== "running";
    $("c-resume").disabled = s.state !== "paused";
    $("c-step").disabled = s.state !== "paused";
    $("c-shock").disabled = !(s.state === "running" || s.state === "paused");
    $("c-end").disabled = !(s.state === "running" || s.state === "paused");
    F.fillTable($("class"), s.class.map((c) => [c.name, F.money(c.cash), F.money(c.equity),
      { text: F.money(c.pnl), cls: c.pnl > 0 ? "up" : c.pnl < 0 ? "down" : "" },
      F.money(c.gross), c.margin_used === null ? "–" : (100 * c.margin_used).toFixed(1) + "%",
      Object.entries(c.positions).map(([t, q]) => `${t} ${q}`).join(", ") || "–",
      c.open_orders, c.trades, { text: String(c.forced), cls: c.forced ? "forced" : "" }]));
  }

  function renderMarket(m) {
    F.text("clock", `${m.date} ${m.time}`);
    F.fillTable($("tickers"), Object.entries(m.tickers).map(([t, q]) => [t, F.price(q.bid),
      F.price(q.ask), F.price(q.last),
      { text: F.pct(q.change_pct), cls: q.change_pct > 0 ? "up" : q.change_pct < 0 ? "down" : "" }]));
    $("news").replaceChildren(...m.news.slice().reverse().map((n) => {
      const li = document.createElement("li");
      const w = document.createElement("span");
      w.className = "when";
      w.textContent = `${n.date} ${n.time}`;
      li.append(w, document.createTextNode(n.text));
      return li;
    }));
  }

  async function renderDebrief() {
    const r = await F.api(ROLE, "GET", "/api/debrief");
    if (!r.ok || r.body.state) { $("debrief").hidden = true; return; }
    const d = r.body;
    $("debrief").hidden = false;
    const p = d.progress;
    if (p) {
      const frac = (p.done + (p.minute ? p.minute / p.minutes : 0)) / p.total;
      $("d-bar").style.width = (100 * Math.min(1, frac)).toFixed(1) + "%";
      F.text("d-status", d.done ? `Done: ${p.total} runs (the same seed without the students` +
        `${p.total > 1 ? ", and each channel off" : ""}).` :
        `Running ${p.current || "…"} (${p.done} of ${p.total} runs done)…`);
    } else {
      F.text("d-status", d.done ? "Done." : "Starting the runs…");
    }
    const rows = Object.entries(d.prices || {}).map(([t, x]) => ({
      attrs: { "data-ticker": t, class: "pick" + (t === debriefTicker ? " selected" : "") },
      cells: [t, F.pct(x.move_with), F.pct(x.move_without ?? null),
        { text: x.difference === undefined ? "…" : F.pct(x.difference),
          cls: x.difference > 0 ? "up" : x.difference < 0 ? "down" : "" },
        x.largest_gap === undefined ? "…" : F.pct(x.largest_gap),
        (100 * x.student_share).toFixed(2) + "%", F.int(x.forced_with),
        x.forced_without === undefined ? "…" : F.int(x.forced_without)],
    }));
    F.fillTable($("d-prices"), rows);
    const calls = (d.margin_calls || []).map((c) => [c.name,
      `${c.date} ${c.time} (minute ${c.minute})`, F.money(c.equity), F.money(c.gross),
      c.orders.map((o) => `${o.side} ${o.qty} ${o.ticker}`).join(", ") || "–"]);
    F.fillTable($("d-forced"), calls.length ? calls :
      [[{ text: "nobody: no student's equity fell under the maintenance limit", cls: "mute" }]]);
    const ch = d.channels || {};
    const names = Object.keys(ch);
    const ran = d.done && p && p.total > 1;
    $("d-ch-none").hidden = !(d.done && !ran);
    $("d-ch-table").hidden = d.done && !ran;
    const head = document.createElement("tr");
    for (const h of ["ticker", "move", ...names]) {
      const th = document.createElement("th");
      th.textContent = h.replace("_", " ");
      head.appendChild(th);
    }
    $("d-ch-head").replaceChildren(head);
    F.fillTable($("d-channels"), names.length ? d.tickers.map((t) => [t,
      F.pct(d.move_without[t]), ...names.map((n) => ch[n][t].toFixed(2))]) : []);
    if (!debriefTicker && d.tickers) debriefTicker = d.tickers[0];
    const key = `${debriefTicker}:${d.progress ? d.progress.done : 0}`;
    if (debriefTicker && key !== debriefPathsAt) {
      const pr = await F.api(ROLE, "GET", "/api/debrief/" + debriefTicker);
      if (pr.ok) {
        debriefPathsAt = key;
        F.text("d-chart-title", `${debriefTicker}: with the class (solid) and without (dashed)`);
        F.chart($("d-chart"), [
          { values: pr.body.with, color: "#2456c9", label: "with the students" },
          { values: pr.body.without || [], color: "#c0262d", label: "without", dash: [5, 4] },
        ], { days: 390, empty: "waiting for the run without the students" });
      }
    }
  }

  async function poll() {
    const [s, m, lb] = await Promise.all([
      F.api(ROLE, "GET", "/api/session"),
      F.api(ROLE, "GET", "/api/market"),
      F.api(ROLE, "GET", "/api/leaderboard"),
    ]);
    if (s.status === 401) return leave();
    if (s.ok) { status = s.body; renderStatus(); }
    if (m.ok) renderMarket(m.body);
    if (lb.ok) F.fillTable($("board"), lb.body.map((x) => [x.rank, x.name,
      { text: F.money(x.pnl), cls: x.pnl > 0 ? "up" : x.pnl < 0 ? "down" : "" },
      F.pct(x.return_pct), F.int(x.trades), x.forced]));
    if (status && status.state === "ended") await renderDebrief();
    else $("debrief").hidden = true;
  }

  function start() {
    if (timer) clearInterval(timer);
    poll();
    timer = setInterval(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("admin-form").addEventListener("submit", join);
    $("leave").addEventListener("click", leave);
    $("c-start").addEventListener("click", () => control({ action: "start" }));
    $("c-pause").addEventListener("click", () => control({ action: "pause" }));
    $("c-resume").addEventListener("click", () => control({ action: "resume" }));
    $("c-step").addEventListener("click", () => control({ action: "step", minutes: 1 }));
    $("c-shock").addEventListener("click", () => control({ action: "next_shock" }));
    $("c-end").addEventListener("click", () => control({ action: "end" }));
    $("c-speed").addEventListener("input", () => { $("c-speed").dataset.touched = "1"; });
    $("c-speed-set").addEventListener("click", () =>
      control({ action: "speed", speed: Number($("c-speed").value) }));
    $("c-reset").addEventListener("click", () => {
      if (!resetArmed) {  // a second click within 4 s resets: no browser dialog
        resetArmed = true;
        $("c-reset").textContent = "Really reset? click again";
        setTimeout(() => { resetArmed = false; $("c-reset").textContent = "Reset"; }, 4000);
        return;
      }
      resetArmed = false;
      $("c-reset").textContent = "Reset";
      control({ action: "reset" });
    });
    $("x-fills").addEventListener("click", () => download("/api/export/fills.csv", "fills.csv"));
    $("x-board").addEventListener("click", () =>
      download("/api/export/leaderboard.csv", "leaderboard.csv"));
    $("d-prices").addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-ticker]");
      if (tr) { debriefTicker = tr.dataset.ticker; debriefPathsAt = null; renderDebrief(); }
    });
    const joined = !!F.token(ROLE);
    show(joined);
    if (joined) start();
  });
})();
