// The trading floor's shared helpers: the API with the bearer token kept in localStorage
// (a refresh keeps the session), number formats, a line chart on a canvas, safe DOM writes
// (every name and message goes in as text, never as HTML).
"use strict";

const Floor = (() => {
  const KEY = "selloff-floor-token-";

  function token(role) { return localStorage.getItem(KEY + role); }
  function setToken(role, t, name) {
    localStorage.setItem(KEY + role, t);
    localStorage.setItem(KEY + role + "-name", name);
  }
  function forget(role) {
    localStorage.removeItem(KEY + role);
    localStorage.removeItem(KEY + role + "-name");
  }
  function savedName(role) { return localStorage.getItem(KEY + role + "-name") || ""; }

  // fetch a JSON document; resolves {ok, status, body}; never throws on HTTP errors
  async function api(role, method, path, body) {
    const headers = {};
    const t = token(role);
    if (t) headers["Authorization"] = "Bearer " + t;
    const init = { method, headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      return { ok: false, status: 0, body: { error: "the server does not answer" } };
    }
    let doc = null;
    const ctype = resp.headers.get("Content-Type") || "";
    if (ctype.startsWith("application/json")) doc = await resp.json();
    else doc = await resp.text();
    return { ok: resp.ok, status: resp.status, body: doc };
  }

  const money = (x) => x === null || x === undefined ? "–" :
    (x < 0 ? "-$" : "$") + Math.abs(x).toLocaleString("en-US",
      { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const price = (x) => x === null || x === undefined ? "–" : x.toFixed(2);
  const pct = (x) => x === null || x === undefined ? "–" : (x > 0 ? "+" : "") + x.toFixed(2) + "%";
  const int = (x) => x === null || x === undefined ? "–" : x.toLocaleString("en-US");

  function $(id) { return document.getElementById(id); }
  function text(id, value) { const el = $(id); if (el) el.textContent = value; }
  function sign(el, x) {
    el.classList.toggle("up", x > 0);
    el.classList.toggle("down", x < 0);
  }

  // rows: array of arrays of cell values (strings/numbers) or {text, cls} or a DOM node
  function fillTable(tbody, rows) {
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const tr = document.createElement("tr");
      if (r.attrs) for (const [k, v] of Object.entries(r.attrs)) tr.setAttribute(k, v);
      for (const c of (r.cells || r)) {
        const td = document.createElement("td");
        if (c instanceof Node) td.appendChild(c);
        else if (c && typeof c === "object") {
          td.textContent = c.text;
          if (c.cls) td.className = c.cls;
        } else td.textContent = c;
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
  }

  // series: [{values: [..], color, label, dash}], one value per minute; labels along x
  function chart(canvas, series, opts = {}) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== w * dpr || canvas.height !== h * dpr) {
      canvas.width = w * dpr; canvas.height = h * dpr;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const all = series.flatMap((s) => s.values.filter((v) => v !== null && isFinite(v)));
    const pad = { l: 56, r: 10, t: 10, b: 22 };
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#667";
    if (!all.length) {
      ctx.fillText(opts.empty || "no trades yet", pad.l, h / 2);
      return;
    }
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const span = hi - lo; lo -= span * 0.05; hi += span * 0.05;
    const n = Math.max(...series.map((s) => s.values.length), 2);
    const x = (i) => pad.l + (w - pad.l - pad.r) * i / (n - 1);
    const y = (v) => pad.t + (h - pad.t - pad.b) * (1 - (v - lo) / (hi - lo));
    ctx.strokeStyle = "#dde"; ctx.lineWidth = 1;
    for (let k = 0; k <= 4; k++) {
      const v = lo + (hi - lo) * k / 4, yy = y(v);
      ctx.beginPath(); ctx.moveTo(pad.l, yy); ctx.lineTo(w - pad.r, yy); ctx.stroke();
      ctx.fillText(v.toFixed(2), 4, yy + 4);
    }
    if (opts.days) {  // a line at each day's open
      ctx.strokeStyle = "#bbc";
      for (let i = opts.days; i < n; i += opts.days) {
        ctx.beginPath(); ctx.moveTo(x(i), pad.t); ctx.lineTo(x(i), h - pad.b); ctx.stroke();
      }
    }
    for (const s of series) {
      ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 1.5;
      ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      let started = false;
      s.values.forEach((v, i) => {
        if (v === null || !isFinite(v)) return;
        if (!started) { ctx.moveTo(x(i), y(v)); started = true; } else ctx.lineTo(x(i), y(v));
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    let lx = pad.l + 6;
    for (const s of series) {
      if (!s.label) continue;
      ctx.fillStyle = s.color; ctx.fillText(s.label, lx, h - 6);
      lx += ctx.measureText(s.label).width + 16;
    }
  }

  return { token, setToken, forget, savedName, api, money, price, pct, int, $, text, sign,
           fillTable, chart };
})();
