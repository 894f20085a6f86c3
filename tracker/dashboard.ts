/**
 * @module dashboard — the tracker's live dashboard at `/`: one static HTML
 * page with a small script (no build step) that polls the read-only JSON
 * routes every second: the overview (tasks, hosts, offload) and one bounded
 * piece map per task, drawn on a canvas so 1,000 peers cost what 10 do.
 *
 * The page holds no data and is served without the token; when the tracker
 * has `--token`, open `/#token=T`: the script sends it as a header with every
 * JSON call, and a URL fragment never reaches a server or its logs.
 */

/** The whole page. Everything shown is inserted with textContent (never as HTML). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dfly swarm</title>
<style>
  :root { color-scheme: dark; --bg: #0f141b; --card: #171e27; --line: #2a3441; --text: #d7dee7;
    --dim: #8b98a8; --peer: #3fb950; --source: #d29922; --bad: #f85149; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 14px 20px;
    border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  #status { color: var(--dim); font-size: 12px; }
  #status.error { color: var(--bad); }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
  .card .label { color: var(--dim); font-size: 12px; }
  .card .value { font-size: 22px; font-variant-numeric: tabular-nums; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
  section h2 { font-size: 14px; margin: 0 0 8px; color: var(--dim); font-weight: 600; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--dim); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; }
  td.url { max-width: 420px; overflow: hidden; text-overflow: ellipsis; }
  .bar { position: relative; width: 160px; height: 14px; background: #222b36; border-radius: 3px; }
  .bar > span { position: absolute; inset: 0 auto 0 0; background: var(--peer); border-radius: 3px; }
  .bar > em { position: absolute; inset: 0; font: 11px/14px system-ui; text-align: center; font-style: normal; }
  .maps { display: grid; gap: 14px; }
  .map h3 { font-size: 13px; margin: 0 0 4px; font-weight: 500; }
  .map .caption { color: var(--dim); font-size: 12px; margin-bottom: 4px; }
  .map canvas { display: block; width: 100%; image-rendering: pixelated; border: 1px solid var(--line); }
  .map canvas.avail { height: 10px; margin-top: 3px; }
  .map .grid { display: grid; grid-template-columns: auto 1fr; column-gap: 8px; }
  .map .labels { font: 11px/18px ui-monospace, monospace; color: var(--dim); text-align: right; }
  .map .avail-row { grid-column: 2; }
  .legend { color: var(--dim); font-size: 12px; }
  .legend b { display: inline-block; width: 10px; height: 10px; vertical-align: middle; margin: 0 3px 0 10px; }
  .more { color: var(--dim); font-size: 12px; padding-top: 6px; }
</style>
</head>
<body>
<header>
  <h1>dfly swarm</h1>
  <span id="version"></span>
  <span id="status">connecting…</span>
</header>
<main>
  <div class="cards">
    <div class="card"><div class="label">origin offload (bytes from peers / all)</div>
      <div class="value" id="offload" data-testid="offload">–</div></div>
    <div class="card"><div class="label">from peers</div><div class="value" id="from-peers">–</div></div>
    <div class="card"><div class="label">from source</div><div class="value" id="from-source">–</div></div>
    <div class="card"><div class="label">tasks</div><div class="value" id="task-count">–</div></div>
    <div class="card"><div class="label">hosts</div><div class="value" id="host-count">–</div></div>
  </div>
  <section>
    <h2>Tasks</h2>
    <table id="tasks" data-testid="tasks">
      <thead><tr><th>task</th><th>url</th><th class="num">size</th><th>progress (mean over peers)</th>
        <th class="num">pieces known</th><th class="num">peers</th><th class="num">done</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section>
    <h2>Piece maps <span class="legend">rows: peers (most pieces first), columns: pieces;
      bright = held<b style="background:#3fb950"></b>held<b style="background:#26303c"></b>missing;
      strip: holders per piece<b style="background:#f85149"></b>0<b style="background:#d29922"></b>1
      <b style="background:#3fb950"></b>2+</span></h2>
    <div class="maps" id="maps"></div>
  </section>
  <section>
    <h2>Hosts (busiest first)</h2>
    <table id="hosts" data-testid="hosts">
      <thead><tr><th>addr</th><th>role</th><th>idc</th><th class="num">down</th><th class="num">up</th>
        <th class="num">from peers</th><th class="num">from source</th><th class="num">uploaded</th>
        <th class="num">uploads now</th></tr></thead>
      <tbody></tbody>
    </table>
    <div class="more" id="hosts-more"></div>
  </section>
</main>
<script>
"use strict";
const POLL_MS = 1000;
const MAX_MAPS = 8;
const MAX_HOSTS = 50;
const MAP_ROWS = 48;
const MAP_COLS = 256;
const token = new URLSearchParams(location.hash.slice(1)).get("token");
const headers = token ? { "x-dfly-token": token } : {};

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? n + " B" : n.toFixed(1) + " " + units[i];
}
function rate(n) { return bytes(Math.round(n)) + "/s"; }
function percent(x) { return (x * 100).toFixed(1) + "%"; }

function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children || []) node.append(c);
  return node;
}

async function getJson(path) {
  const res = await fetch(path, { headers, cache: "no-store" });
  if (!res.ok) {
    let reason = res.status + "";
    try { reason += " " + (await res.json()).error; } catch (_) { /* not JSON */ }
    throw new Error(reason);
  }
  return res.json();
}

function renderTasks(tasks) {
  const body = document.querySelector("#tasks tbody");
  body.replaceChildren(...tasks.map((t) => {
    const bar = el("div", { class: "bar" }, [
      el("span", { style: "width:" + (t.progress * 100).toFixed(1) + "%" }),
      el("em", { text: percent(t.progress), "data-testid": "task-progress" }),
    ]);
    return el("tr", { "data-task": t.id }, [
      el("td", { text: t.id.slice(0, 12), title: t.id }),
      el("td", { class: "url", text: t.url, title: t.url }),
      el("td", { class: "num", text: t.length === null ? "?" : bytes(t.length) }),
      el("td", {}, [bar]),
      el("td", { class: "num", text: t.digests + "/" + (t.pieceCount ?? "?") }),
      el("td", { class: "num", text: String(t.peers), "data-testid": "task-peers" }),
      el("td", { class: "num", text: String(t.done) }),
    ]);
  }));
}

function renderHosts(hosts, hostCount) {
  const busiest = [...hosts].sort((a, b) =>
    (b.downRate + b.upRate) - (a.downRate + a.upRate) || a.addr.localeCompare(b.addr));
  const shown = busiest.slice(0, MAX_HOSTS);
  document.querySelector("#hosts tbody").replaceChildren(...shown.map((h) =>
    el("tr", { "data-host": h.id }, [
      el("td", { text: h.addr }),
      el("td", { text: h.seed ? "seed" : "peer" }),
      el("td", { text: h.idc || "-" }),
      el("td", { class: "num", text: rate(h.downRate) }),
      el("td", { class: "num", text: rate(h.upRate) }),
      el("td", { class: "num", text: bytes(h.fromPeers) }),
      el("td", { class: "num", text: bytes(h.fromSource) }),
      el("td", { class: "num", text: bytes(h.uploaded) }),
      el("td", { class: "num", text: String(h.uploads) }),
    ])
  ));
  document.getElementById("hosts-more").textContent = hostCount > shown.length
    ? "… and " + (hostCount - shown.length) + " more hosts" : "";
}

const mapNodes = new Map();
function mapNode(task) {
  let node = mapNodes.get(task.id);
  if (!node) {
    node = {
      root: el("div", { class: "map", "data-testid": "piece-map", "data-task": task.id }),
      title: el("h3"),
      caption: el("div", { class: "caption" }),
      labels: el("div", { class: "labels" }),
      cells: el("canvas", { class: "cells" }),
      avail: el("canvas", { class: "avail avail-row" }),
      data: null,
    };
    node.root.append(node.title, node.caption, el("div", { class: "grid" }, [node.labels, node.cells, node.avail]));
    node.cells.addEventListener("mousemove", (e) => hover(node, e));
    mapNodes.set(task.id, node);
  }
  node.title.textContent = task.id.slice(0, 12) + "  " + task.url;
  return node;
}

function hover(node, e) {
  const m = node.data;
  if (!m || m.rows === 0) return;
  const box = node.cells.getBoundingClientRect();
  const r = Math.min(m.rows - 1, Math.floor((e.clientY - box.top) / box.height * m.rows));
  const c = Math.min(m.cols - 1, Math.floor((e.clientX - box.left) / box.width * m.cols));
  const first = Math.floor(c * m.pieceCount / m.cols);
  const last = Math.floor((c + 1) * m.pieceCount / m.cols) - 1;
  const held = node.cellBytes[r * m.cols + c] / 255;
  node.cells.title = m.rowLabels[r] + ", piece" + (first === last ? " " + first : "s " + first + "–" + last) +
    ": " + percent(held) + " held; fewest holders " + m.availability[c];
}

function decode(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function drawMap(node, m) {
  node.data = m;
  node.cellBytes = decode(m.cells);
  const banded = m.rows < m.peers;
  node.caption.textContent = m.peers + " peers × " + m.pieceCount + " pieces" +
    (banded ? " — rows are bands of ~" + Math.ceil(m.peers / m.rows) + " peers" : "") +
    (m.cols < m.pieceCount ? ", columns runs of ~" + Math.ceil(m.pieceCount / m.cols) + " pieces" : "");
  node.root.dataset.peers = String(m.peers);
  node.root.dataset.rows = String(m.rows);
  node.root.dataset.cols = String(m.cols);
  // Few rows get a readable 18 px each with the peer's address beside it; many share 288 px.
  const labelled = m.rows <= 16;
  node.labels.replaceChildren(...(labelled ? m.rowLabels.map((l) => el("div", { text: l })) : []));
  const canvas = node.cells;
  canvas.style.height = (labelled ? Math.max(1, m.rows) * 18 : 288) + "px";
  canvas.width = Math.max(1, m.cols);
  canvas.height = Math.max(1, m.rows);
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(canvas.width, canvas.height);
  for (let i = 0; i < m.rows * m.cols; i++) {
    const f = node.cellBytes[i] / 255;
    img.data[i * 4] = 38 + f * (63 - 38);
    img.data[i * 4 + 1] = 48 + f * (185 - 48);
    img.data[i * 4 + 2] = 60 + f * (80 - 60);
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const strip = node.avail;
  strip.width = Math.max(1, m.cols);
  strip.height = 1;
  const sctx = strip.getContext("2d");
  m.availability.forEach((n, c) => {
    sctx.fillStyle = n === 0 ? "#f85149" : n === 1 ? "#d29922" : "#3fb950";
    sctx.fillRect(c, 0, 1, 1);
  });
}

async function renderMaps(tasks) {
  const shown = [...tasks].sort((a, b) => b.createdAt - a.createdAt).slice(0, MAX_MAPS);
  const container = document.getElementById("maps");
  const nodes = shown.map(mapNode);
  container.replaceChildren(...nodes.map((n) => n.root));
  for (const id of mapNodes.keys()) {
    if (!shown.some((t) => t.id === id)) mapNodes.delete(id);
  }
  await Promise.all(shown.map(async (t, i) => {
    if (!t.pieceCount) return;
    const m = await getJson("/api/v1/tasks/" + t.id + "/pieces?rows=" + MAP_ROWS + "&cols=" + MAP_COLS);
    drawMap(nodes[i], m);
  }));
}

async function poll() {
  const status = document.getElementById("status");
  try {
    const o = await getJson("/api/v1/overview?hosts=" + MAX_HOSTS);
    document.getElementById("version").textContent = "v" + o.version;
    document.getElementById("offload").textContent = o.totals.offload === null ? "–" : percent(o.totals.offload);
    document.getElementById("from-peers").textContent = bytes(o.totals.fromPeers);
    document.getElementById("from-source").textContent = bytes(o.totals.fromSource);
    document.getElementById("task-count").textContent = String(o.tasks.length);
    document.getElementById("host-count").textContent = String(o.hostCount);
    renderTasks(o.tasks);
    renderHosts(o.hosts, o.hostCount);
    await renderMaps(o.tasks);
    status.className = "";
    status.textContent = "live · updated " + new Date(o.now).toLocaleTimeString();
    document.body.dataset.updated = String(o.now);
  } catch (err) {
    status.className = "error";
    status.textContent = "cannot read the tracker: " + err.message;
  }
  setTimeout(poll, POLL_MS);
}
poll();
</script>
</body>
</html>
`;
