// lumex training monitor: draws the state the kernel sends (at most ~10 times a second):
// the latest step's numbers, four charts over the steps (logged scalars, step time,
// pending graph, memory), the warnings and the last step's evaluations.
// Colours follow JupyterLab's light or dark theme through CSS variables.
// el and html come from dom.js (notebook_ext/_esm.py puts it in front).
const COLOURS = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599"];

function fmt(v) {
  const a = Math.abs(v);
  if (a >= 1e5 || (a < 0.01 && a > 0)) return v.toExponential(2);
  if (a >= 1000) return v.toPrecision(3);
  if (a >= 10 || a === 0) return Number.isInteger(v) ? String(v) : v.toFixed(1);
  return v.toPrecision(3);
}

function chart(title, xs, lines, zero) {
  const W = 340, H = 150, left = 60, top = 20, right = W - 8, bottom = H - 22;
  const svg = el("svg", { class: "lmxm-chart", width: W, height: H, viewBox: `0 0 ${W} ${H}` });
  svg.append(el("text", { x: 8, y: 13, class: "lmxm-title" }, title));
  svg.append(el("rect", { x: left, y: top, width: right - left, height: bottom - top, class: "lmxm-frame" }));
  const values = lines.flatMap((l) => l.values.filter((v) => v !== null && v !== undefined));
  if (!values.length || !xs.length) {
    svg.append(el("text", { x: (left + right) / 2, y: (top + bottom) / 2, "text-anchor": "middle", class: "lmxm-axis" },
      title === "logged" ? "nothing logged: m.log(loss=...)" : "no steps yet"));
    return svg;
  }
  let lo = Math.min(...values), hi = Math.max(...values);
  if (zero) lo = Math.min(lo, 0);
  if (hi - lo < 1e-12) hi = lo + (Math.abs(lo) || 1);
  const x0 = xs[0], x1 = Math.max(xs[xs.length - 1], x0 + 1);
  const px = (s) => left + (s - x0) / (x1 - x0) * (right - left);
  const py = (v) => bottom - (v - lo) / (hi - lo) * (bottom - top);
  for (const f of [0, 0.5, 1]) {
    svg.append(el("text", { x: left - 4, y: bottom - f * (bottom - top) + 4, class: "lmxm-axis", "text-anchor": "end" },
      fmt(lo + f * (hi - lo))));
  }
  svg.append(el("text", { x: left, y: bottom + 14, class: "lmxm-axis" }, `step ${x0}`));
  svg.append(el("text", { x: right, y: bottom + 14, class: "lmxm-axis", "text-anchor": "end" }, String(xs[xs.length - 1])));
  lines.forEach((l, j) => {
    const pts = [];
    xs.forEach((s, i) => { const v = l.values[i]; if (v !== null && v !== undefined) pts.push(`${px(s).toFixed(1)},${py(v).toFixed(1)}`); });
    svg.append(el("polyline", { points: pts.join(" "), fill: "none", stroke: l.colour, "stroke-width": 1.5 }));
    if (lines.length > 1 || l.legend) svg.append(el("text", { x: right - 4, y: top + 12 + 12 * j, "text-anchor": "end", style: `fill: ${l.colour}` }, l.label));
  });
  return svg;
}

function draw(root, d) {
  root.innerHTML = "";
  root.dataset.steps = d.steps || 0;
  root.dataset.warnings = (d.warnings || []).length;
  const head = html("div", { className: "lmxm-head" });
  head.append(html("b", {}, d.title || "training monitor"), html("span", { className: "lmxm-muted" }, d.summary || ""));
  root.append(head);
  const L = d.latest || {};
  if (L.step !== undefined) {
    const tiles = html("div", { className: "lmxm-tiles" });
    const tile = (k, v, cls = "") => { const t = html("div", { className: "lmxm-tile " + cls }); t.append(html("span", { className: "lmxm-muted" }, k), html("b", {}, v)); tiles.append(t); };
    tile("step", String(L.step));
    for (const [k, v] of Object.entries(L.scalars || {})) tile(k, fmt(v));
    tile("step time", `${L.ms.toFixed(2)} ms`);
    const implicit = (L.evaluations || []).filter((e) => e.implicit).length;
    tile("evaluations", `${(L.evaluations || []).length}` + (implicit ? ` (${implicit} implicit)` : ""), implicit ? "lmxm-bad" : "");
    tile("pending", `${L.pending} nodes, ${L.pending_bytes}`, L.pending ? "lmxm-bad" : "");
    tile("memory", `${L.active} (peak ${L.peak})`);
    root.append(tiles);
  }
  const s = d.series || { step: [] };
  const mb = 1 / (1 << 20);
  const charts = html("div", { className: "lmxm-charts" });
  const scalars = Object.entries(s.scalars || {}).map(([k, v], i) => ({ label: k, values: v, colour: COLOURS[i % COLOURS.length], legend: true }));
  charts.append(
    chart("logged", s.step, scalars, false),
    chart("step time (ms)", s.step, [{ label: "ms", values: s.step_ms || [], colour: COLOURS[0] }], true),
    chart("pending graph (nodes)", s.step, [{ label: "nodes", values: s.pending_nodes || [], colour: COLOURS[2] }], true),
    chart("memory (MB)", s.step, [{ label: "active", values: (s.active || []).map((v) => v * mb), colour: COLOURS[0] },
      { label: "peak", values: (s.peak || []).map((v) => v * mb), colour: COLOURS[1] }], true));
  root.append(charts);
  for (const w of d.warnings || []) {
    const div = html("div", { className: "lmxm-warn" });
    div.dataset.kind = w.kind;
    div.append(html("b", {}, `step ${w.step}: `), document.createTextNode(w.message));
    root.append(div);
  }
  const evs = L.evaluations || [];
  if (evs.length) {
    const table = html("table", { className: "lmxm-evals" });
    const hr = html("tr");
    for (const h of ["trigger", "where", "source", "nodes", "ms"]) hr.append(html("th", {}, h));
    table.append(hr);
    for (const e of evs) {
      const tr = html("tr", { className: e.implicit ? "lmxm-implicit" : "" });
      const src = html("td");
      src.append(html("code", {}, e.source));
      tr.append(html("td", {}, e.kind + (e.implicit ? " (implicit)" : "")), html("td", {}, e.where), src,
        html("td", {}, String(e.nodes)), html("td", {}, String(e.ms)));
      table.append(tr);
    }
    const cap = html("div", { className: "lmxm-muted" }, "evaluations in the last step");
    root.append(cap, table);
  }
}

function render({ model, el: host }) {
  const root = html("div", { className: "lmxm" });
  host.append(root);
  const redraw = () => draw(root, model.get("data") || {});
  model.on("change:data", redraw);
  redraw();
  return () => model.off("change:data", redraw);
}

export default { render };
