// lumex graph widget: draws the Graphviz layout computed in the kernel.
// Opens at 1:1 (text 12 px) centred on the outputs, or fitted when the whole graph is
// readable that way. Drag to pan, wheel to zoom; click a box for its details and its
// upstream/downstream; click a group to open or close it (the kernel lays out the
// new view). Colours follow JupyterLab's light or dark theme.
// el, html and isDark come from dom.js (notebook_ext/_esm.py puts it in front).
const MIN_READABLE = 11 / 12;  // the scale at which 12 px titles are 11 px

function clip(text, width) {
  const room = Math.floor((width - 10) / 7.3);
  return text.length <= room ? text : text.slice(0, Math.max(room - 1, 1)) + "…";
}

function download(name, blob) {
  const a = html("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// Draws the whole graph into an <svg> (also used for export and the minimap).
function drawGraph(g, dark, opts = {}) {
  const shade = dark ? 1 : 0;
  const ink = dark ? "#e9ecef" : "#212529", muted = dark ? "#adb5bd" : "#495057";
  const edge = dark ? "#909296" : "#868e96", frame = dark ? "#5c5f66" : "#adb5bd";
  const svg = el("svg", { xmlns: NS, width: g.width, height: g.height, viewBox: `0 0 ${g.width} ${g.height}`,
    "font-family": "DejaVu Sans Mono, Menlo, Consolas, monospace" });
  const id = "lmxg-arrow-" + Math.random().toString(36).slice(2);
  const defs = el("defs");
  const marker = el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" });
  marker.append(el("path", { d: "M0,0 L10,5 L0,10 z", fill: edge }));
  defs.append(marker);
  svg.append(defs);
  if (opts.background) svg.append(el("rect", { x: 0, y: 0, width: g.width, height: g.height, fill: dark ? "#1e1e1e" : "#fff" }));
  for (const c of g.clusters) {
    svg.append(el("rect", { x: c.x, y: c.y, width: c.w, height: c.h, rx: 6, fill: "none", stroke: frame, "stroke-dasharray": "5 3" }));
    const t = el("text", { x: c.x + 6, y: c.y + 14, "font-size": 12, fill: muted }, c.label);
    t.dataset.cluster = c.key;
    svg.append(t);
  }
  const edgeEls = [];
  for (const e of g.edges) {
    const p = el("path", { d: e.path, fill: "none", stroke: edge, "stroke-width": 1.2, "marker-end": `url(#${id})` });
    if (e.saved) p.setAttribute("stroke-dasharray", "5 3");
    p.dataset.s = e.s; p.dataset.d = e.d;
    svg.append(p);
    edgeEls.push(p);
  }
  const nodeEls = new Map();
  for (const n of g.nodes) {
    const grp = el("g", { class: "lmxg-node" });
    grp.dataset.key = n.key;
    grp.dataset.kind = n.kind;
    const fill = (g.palette[n.cls] || ["#fff", "#333"])[shade];
    const round = ["input", "constant", "stub"].includes(n.kind) ? n.h / 2 : 4;
    const r = el("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: round, fill, stroke: muted,
      "stroke-width": n.kind === "output" ? 2.2 : 1 });
    if (n.kind === "group") r.setAttribute("stroke-dasharray", "4 2");
    grp.append(r);
    if (n.detail) {
      grp.append(el("text", { x: n.x, y: n.y - 3, "text-anchor": "middle", "font-size": 12, "font-weight": "bold", fill: ink }, clip(n.title, n.w)));
      grp.append(el("text", { x: n.x, y: n.y + 12, "text-anchor": "middle", "font-size": 11, fill: muted }, clip(n.detail, n.w)));
    } else {
      grp.append(el("text", { x: n.x, y: n.y + 4, "text-anchor": "middle", "font-size": 11, fill: ink }, clip(n.title, n.w)));
    }
    svg.append(grp);
    nodeEls.set(n.key, grp);
  }
  return { svg, nodeEls, edgeEls };
}

function reach(edges, start, dir) {
  const up = new Map(), down = new Map();
  for (const e of edges) {
    if (!up.has(e.d)) up.set(e.d, []);
    up.get(e.d).push(e.s);
    if (!down.has(e.s)) down.set(e.s, []);
    down.get(e.s).push(e.d);
  }
  const seen = new Set([start]);
  for (const [adj, name] of [[up, "up"], [down, "down"]]) {
    if (dir !== name && dir !== "both") continue;
    const stack = [start];
    while (stack.length) {
      for (const n of adj.get(stack.pop()) || []) if (!seen.has(n)) { seen.add(n); stack.push(n); }
    }
  }
  return seen;
}

function render({ model, el: host }) {
  const root = html("div", { className: "lmxg" });
  const head = html("div", { className: "lmxg-bar" });
  const title = html("b");
  const summary = html("span", { className: "lmxg-muted" });
  head.append(title, summary);
  const legend = html("div", { className: "lmxg-bar" });
  const bar = html("div", { className: "lmxg-bar" });
  const search = html("input", { type: "search", placeholder: "search op, shape, module…" });
  const prev = html("button", { title: "previous match" }, "◀");
  const next = html("button", { title: "next match" }, "▶");
  const count = html("span", { className: "lmxg-muted" });
  const dir = html("select");
  for (const d of ["both", "up", "down"]) dir.append(new Option(d === "both" ? "up + downstream" : d + "stream", d));
  const fit = html("button", { title: "fit the whole graph" }, "fit");
  const one = html("button", { title: "actual size" }, "1:1");
  const zsel = html("button", { title: "zoom to the selection" }, "zoom to selection");
  const internals = html("label");
  const internalsBox = html("input", { type: "checkbox" });
  internals.append(internalsBox, " show internals");
  const exp = html("select", { title: "export" });
  for (const [v, t] of [["", "export…"], ["svg", "SVG"], ["png", "PNG"], ["dot", "DOT"]]) exp.append(new Option(t, v));
  const status = html("span", { className: "lmxg-muted" });
  bar.append(search, prev, next, count, dir, fit, one, zsel, internals, exp, status);
  const main = html("div", { className: "lmxg-main" });
  const canvas = html("div", { className: "lmxg-canvas" });
  const mini = html("div", { className: "lmxg-mini" });
  const details = html("div", { className: "lmxg-details" });
  canvas.append(mini);
  main.append(canvas, details);
  root.append(head, legend, bar, main);
  host.append(root);

  let g = null, dark = isDark(), drawn = null, view = null, selected = "", matches = [], matchAt = -1;
  let firstDraw = true;
  let focusGroup = null;  // the group just opened or closed: the next drawing shows it

  function toggle(key) {
    status.textContent = "laying out…";
    focusGroup = key;
    model.send({ toggle: key });
  }

  function setView(v) {
    view = v;
    if (drawn) drawn.svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.w} ${v.h}`);
    drawMiniView();
  }
  function size() { return [canvas.clientWidth || 800, canvas.clientHeight || 560]; }
  function scale() { return size()[0] / view.w; }
  function zoomTo(s, cx, cy) {
    const [W, H] = size();
    setView({ x: cx - W / s / 2, y: cy - H / s / 2, w: W / s, h: H / s });
  }
  function fitAll() {
    const [W, H] = size();
    const s = Math.min(W / (g.width + 20), H / (g.height + 20), 2);
    zoomTo(s, g.width / 2, g.height / 2);
  }
  function initialView() {
    const [W, H] = size();
    const fitScale = Math.min(W / (g.width + 20), H / (g.height + 20));
    if (fitScale >= MIN_READABLE) { zoomTo(Math.min(fitScale, 1.4), g.width / 2, g.height / 2); return; }
    // Too big to read fitted: actual size, centred on the outputs (the bottom row).
    const outs = g.nodes.filter((n) => g.outputs.includes(n.key));
    const pick = outs.length ? outs : g.nodes.slice(-1);
    const cx = pick.reduce((a, n) => a + n.x, 0) / Math.max(pick.length, 1);
    const bottom = Math.max(...pick.map((n) => n.y + n.h / 2), 0);
    zoomTo(1, cx, Math.max(bottom - H / 2 + 30, H / 2 - 10));
  }

  // After opening a group: its frame fitted when that stays readable, else its top at
  // 1:1 (the graph reads top-down); after closing one: its box, at the current zoom.
  function showGroup(key) {
    const [W, H] = size();
    const c = g.clusters.find((x) => x.key === key);
    if (c) {
      const fitted = Math.min(W / (c.w + 40), H / (c.h + 40), 1.4);
      if (fitted >= MIN_READABLE) { zoomTo(fitted, c.x + c.w / 2, c.y + c.h / 2); return true; }
      const cx = c.w + 40 <= W ? c.x + c.w / 2 : c.x + W / 2 - 20;
      zoomTo(1, cx, c.y + H / 2 - 20);
      return true;
    }
    const n = g.nodes.find((x) => x.group === key);
    if (!n) return false;
    zoomTo(Math.max(view ? scale() : 1, MIN_READABLE), n.x, n.y);
    return true;
  }

  let miniSvg = null, miniRect = null;
  function drawMini() {
    mini.innerHTML = "";
    const m = drawGraph(g, dark);
    miniSvg = m.svg;
    miniSvg.setAttribute("width", "100%");
    miniSvg.setAttribute("height", "100%");
    miniSvg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    miniRect = el("rect", { fill: "none", stroke: "#1c7ed6", "stroke-width": Math.max(g.width, g.height) / 80 });
    miniSvg.append(miniRect);
    mini.append(miniSvg);
    mini.style.display = g.width * g.height > 0 ? "" : "none";
  }
  function drawMiniView() {
    if (!miniRect || !view) return;
    miniRect.setAttribute("x", view.x); miniRect.setAttribute("y", view.y);
    miniRect.setAttribute("width", view.w); miniRect.setAttribute("height", view.h);
  }
  mini.addEventListener("click", (ev) => {
    ev.stopPropagation();
    const r = mini.getBoundingClientRect();
    const s = Math.min(r.width / g.width, r.height / g.height);
    const ox = (r.width - g.width * s) / 2, oy = (r.height - g.height * s) / 2;
    zoomTo(scale(), (ev.clientX - r.left - ox) / s, (ev.clientY - r.top - oy) / s);
  });

  function showDetails(n) {
    details.innerHTML = "";
    if (!n) { details.append(html("span", { className: "lmxg-muted" }, "Click a box for its details; click a group to open or close it.")); return; }
    const t = html("table");
    for (const [k, v] of Object.entries(n.info)) {
      const tr = html("tr");
      tr.append(html("td", {}, k), html("td", {}, v));
      t.append(tr);
    }
    const copy = html("button", {}, "copy");
    copy.onclick = () => navigator.clipboard && navigator.clipboard.writeText(Object.entries(n.info).map(([k, v]) => `${k}: ${v}`).join("\n"));
    details.append(html("b", {}, n.title), t, copy);
  }

  function highlight() {
    if (!drawn) return;
    const keep = selected ? reach(g.edges, selected, dir.value) : null;
    for (const [k, e] of drawn.nodeEls) {
      e.classList.toggle("lmxg-dim", !!keep && !keep.has(k));
      e.classList.toggle("lmxg-sel", k === selected);
      e.classList.toggle("lmxg-match", matches.includes(k));
    }
    for (const p of drawn.edgeEls) p.classList.toggle("lmxg-dim", !!keep && !(keep.has(p.dataset.s) && keep.has(p.dataset.d)));
  }

  function runSearch() {
    const q = search.value.trim().toLowerCase();
    matches = q ? g.nodes.filter((n) => (n.title + " " + n.detail + " " + Object.values(n.info).join(" ")).toLowerCase().includes(q)).map((n) => n.key) : [];
    matchAt = -1;
    count.textContent = q ? `${matches.length} match(es)` : "";
    highlight();
    if (matches.length) step(1);
  }
  function step(d) {
    if (!matches.length) return;
    matchAt = (matchAt + d + matches.length) % matches.length;
    const n = g.nodes.find((x) => x.key === matches[matchAt]);
    count.textContent = `${matchAt + 1} / ${matches.length}`;
    zoomTo(Math.max(scale(), 1), n.x, n.y);
    select(n.key, false);
  }

  function select(key, doToggle = true) {
    const n = g.nodes.find((x) => x.key === key);
    if (n && n.kind === "group" && doToggle) {
      toggle(n.group);
      return;
    }
    selected = key || "";
    showDetails(n);
    highlight();
  }

  function draw() {
    const t0 = performance.now();
    g = model.get("graph");
    dark = isDark();
    title.textContent = g.title || "";
    summary.textContent = g.summary || "";
    legend.innerHTML = "";
    for (const [cls, text] of g.legend || []) {
      const chip = html("span", { className: "lmxg-chip" }, text);
      chip.style.background = (g.palette[cls] || ["#fff", "#333"])[dark ? 1 : 0];
      legend.append(chip);
    }
    const keepView = view && !firstDraw;
    if (drawn) drawn.svg.remove();
    drawn = drawGraph(g, dark);
    drawn.svg.setAttribute("width", "100%");
    drawn.svg.setAttribute("height", "100%");
    canvas.insertBefore(drawn.svg, mini);
    for (const [k, e] of drawn.nodeEls) e.addEventListener("click", (ev) => { ev.stopPropagation(); select(k); });
    for (const t of drawn.svg.querySelectorAll("text[data-cluster]")) {
      t.style.pointerEvents = "auto"; t.style.cursor = "pointer";
      t.addEventListener("click", (ev) => { ev.stopPropagation(); toggle(t.dataset.cluster); });
    }
    drawMini();
    const focused = focusGroup && showGroup(focusGroup);
    if (!focused) { if (keepView) setView(view); else initialView(); }
    focusGroup = null;
    firstDraw = false;
    internalsBox.checked = !!model.get("internals");
    selected = g.nodes.some((n) => n.key === selected) ? selected : "";
    showDetails(g.nodes.find((n) => n.key === selected));
    if (search.value) runSearch(); else highlight();
    const ms = performance.now() - t0;
    status.textContent = `layout ${model.get("layout_ms").toFixed(0)} ms, drawn in ${ms.toFixed(0)} ms`;
    root.dataset.drawnAt = String(performance.now());
    root.dataset.scale = String(scale());
  }

  // Pan and zoom.
  let drag = null;
  canvas.addEventListener("mousedown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, v: { ...view } }; canvas.style.cursor = "grabbing"; });
  window.addEventListener("mouseup", () => { drag = null; canvas.style.cursor = "grab"; });
  window.addEventListener("mousemove", (ev) => {
    if (!drag) return;
    const s = scale();
    setView({ ...drag.v, x: drag.v.x - (ev.clientX - drag.x) / s, y: drag.v.y - (ev.clientY - drag.y) / s });
  });
  canvas.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = canvas.getBoundingClientRect();
    const f = ev.deltaY < 0 ? 1.2 : 1 / 1.2;
    const s = scale();
    const mx = view.x + (ev.clientX - r.left) / s, my = view.y + (ev.clientY - r.top) / s;
    const ns = Math.min(Math.max(s * f, 0.02), 8);
    setView({ x: mx - (ev.clientX - r.left) / ns, y: my - (ev.clientY - r.top) / ns, w: view.w * s / ns, h: view.h * s / ns });
    root.dataset.scale = String(scale());
  }, { passive: false });
  canvas.addEventListener("click", () => select(""));

  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", (ev) => { if (ev.key === "Enter") step(ev.shiftKey ? -1 : 1); });
  prev.onclick = () => step(-1);
  next.onclick = () => step(1);
  dir.onchange = highlight;
  fit.onclick = () => { fitAll(); root.dataset.scale = String(scale()); };
  one.onclick = () => { zoomTo(1, view.x + view.w / 2, view.y + view.h / 2); root.dataset.scale = "1"; };
  zsel.onclick = () => {
    const keys = selected ? [...reach(g.edges, selected, dir.value)] : matches;
    const ns = g.nodes.filter((n) => keys.includes(n.key));
    if (!ns.length) return;
    const x0 = Math.min(...ns.map((n) => n.x - n.w / 2)), x1 = Math.max(...ns.map((n) => n.x + n.w / 2));
    const y0 = Math.min(...ns.map((n) => n.y - n.h / 2)), y1 = Math.max(...ns.map((n) => n.y + n.h / 2));
    const [W, H] = size();
    zoomTo(Math.min(W / (x1 - x0 + 40), H / (y1 - y0 + 40), 2), (x0 + x1) / 2, (y0 + y1) / 2);
  };
  internalsBox.onchange = () => { status.textContent = "laying out…"; model.set("internals", internalsBox.checked); model.save_changes(); };
  exp.onchange = () => {
    const what = exp.value;
    exp.value = "";
    const name = (g.title || "graph").replace(/[^\w.-]+/g, "_");
    if (what === "dot") { download(name + ".dot", new Blob([g.dot], { type: "text/vnd.graphviz" })); return; }
    const text = new XMLSerializer().serializeToString(drawGraph(g, dark, { background: true }).svg);
    if (what === "svg") { download(name + ".svg", new Blob([text], { type: "image/svg+xml" })); return; }
    const img = new Image();
    img.onload = () => {
      const c = html("canvas", { width: Math.ceil(g.width * 2), height: Math.ceil(g.height * 2) });
      const ctx = c.getContext("2d");
      ctx.scale(2, 2);
      ctx.drawImage(img, 0, 0);
      c.toBlob((b) => download(name + ".png", b), "image/png");
    };
    img.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(text)));
  };

  const observer = new MutationObserver(() => { if (isDark() !== dark) draw(); });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light", "data-jp-theme-name"] });
  model.on("change:graph", draw);
  // The canvas has no size until it is attached; draw once it has one.
  requestAnimationFrame(() => draw());
  return () => observer.disconnect();
}

export default { render };
