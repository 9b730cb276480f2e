// lumex graph widget: draws the layout computed in the kernel as SVG.
// Drag to pan, wheel to zoom, click a node to highlight what it depends on / feeds,
// type to search; group checkboxes collapse a function's ops into one node.
const NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function reach(edges, start, dir) {
  const up = new Map(), down = new Map();
  for (const [s, d] of edges) {
    if (!up.has(d)) up.set(d, []);
    up.get(d).push(s);
    if (!down.has(s)) down.set(s, []);
    down.get(s).push(d);
  }
  const seen = new Set([start]);
  for (const [adj, name] of [[up, "up"], [down, "down"]]) {
    if (dir !== name && dir !== "both") continue;
    const stack = [start];
    while (stack.length) {
      for (const n of adj.get(stack.pop()) || []) {
        if (!seen.has(n)) { seen.add(n); stack.push(n); }
      }
    }
  }
  return seen;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.style.cssText = "font-family: var(--jp-code-font-family, monospace); font-size: 12px;";
  const bar = document.createElement("div");
  bar.style.cssText = "display:flex; gap:6px; align-items:center; flex-wrap:wrap; margin-bottom:4px;";
  const search = Object.assign(document.createElement("input"), { placeholder: "search op, shape, function…" });
  const dir = document.createElement("select");
  for (const d of ["both", "up", "down"]) dir.append(new Option(d === "both" ? "up + downstream" : d + "stream", d));
  const reset = Object.assign(document.createElement("button"), { textContent: "reset view" });
  const info = document.createElement("span");
  const groups = document.createElement("details");
  groups.innerHTML = "<summary>collapse groups</summary>";
  bar.append(search, dir, reset, groups, info);
  const box = document.createElement("div");
  box.style.cssText = "border:1px solid var(--jp-border-color2,#ccc); height:520px; overflow:hidden; cursor:grab;";
  root.append(bar, box);
  el.append(root);

  let view = null, auto = true, g = null, nodeEls = new Map(), edgeEls = [], byKey = new Map();

  function draw() {
    g = model.get("graph");
    byKey = new Map(g.nodes.map((n) => [n.key, n]));
    box.innerHTML = "";
    nodeEls = new Map();
    edgeEls = [];
    const svg = svgEl("svg", { width: "100%", height: "100%" });
    const defs = svgEl("defs", {});
    const marker = svgEl("marker", { id: "lmxw-arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
    marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#868e96" }));
    defs.append(marker);
    svg.append(defs);
    for (const [s, d] of g.edges) {
      const a = byKey.get(s), b = byKey.get(d);
      const y1 = a.y + a.h / 2, y2 = b.y - b.h / 2, my = (y1 + y2) / 2;
      const p = svgEl("path", { d: `M${a.x},${y1} C${a.x},${my} ${b.x},${my} ${b.x},${y2}`, fill: "none", stroke: "#868e96", "marker-end": "url(#lmxw-arrow)" });
      if (a.role === "forward" && b.role === "backward") p.setAttribute("stroke-dasharray", "4 3");
      p.dataset.s = s; p.dataset.d = d;
      svg.append(p);
      edgeEls.push(p);
    }
    for (const n of g.nodes) {
      const grp = svgEl("g", { style: "cursor:pointer" });
      const t = svgEl("title", {}); t.textContent = n.tip; grp.append(t);
      grp.append(svgEl("rect", { x: n.x - n.w / 2, y: n.y - n.h / 2, width: n.w, height: n.h, rx: n.kind === "input" || n.kind === "constant" ? 12 : 3, fill: n.fill, stroke: n.stroke, "stroke-width": n.sw }));
      const t1 = svgEl("text", { x: n.x, y: n.y - 3, "text-anchor": "middle", "font-size": 11, "font-weight": "bold", fill: "#212529" });
      t1.textContent = n.title;
      const t2 = svgEl("text", { x: n.x, y: n.y + 11, "text-anchor": "middle", "font-size": 10, fill: "#495057" });
      t2.textContent = n.detail;
      grp.append(t1, t2);
      grp.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (dragged) return;
        if (n.kind === "group") {
          model.set("collapsed", model.get("collapsed").filter((x) => x !== n.group));
        } else {
          model.set("selected", model.get("selected") === n.key ? "" : n.key);
        }
        model.save_changes();
      });
      svg.append(grp);
      nodeEls.set(n.key, grp);
    }
    box.append(svg);
    if (!view || auto) { view = initialView(); auto = true; }
    applyView(svg);
    groups.querySelectorAll("label").forEach((l) => l.remove());
    for (const name of g.groups) {
      const l = document.createElement("label");
      l.style.display = "block";
      const cb = Object.assign(document.createElement("input"), { type: "checkbox", checked: model.get("collapsed").includes(name) });
      cb.addEventListener("change", () => {
        const cur = new Set(model.get("collapsed"));
        cb.checked ? cur.add(name) : cur.delete(name);
        model.set("collapsed", [...cur]);
        model.save_changes();
      });
      l.append(cb, " " + name);
      groups.append(l);
    }
    info.textContent = `${g.nodes.length} nodes, ${g.edges.length} edges`;
    highlight();
  }

  // A small graph gets a shorter box and is drawn at 1:1 (centred), not blown up to fill
  // the box; a large one starts fitted. The box may not be laid out yet (width 0).
  function initialView() {
    box.style.height = `${Math.min(Math.max(g.height + 24, 160), 520)}px`;
    const bw = box.clientWidth || g.width, bh = box.clientHeight || g.height;
    const s = Math.max(g.width / bw, g.height / bh, 1);
    const w = Math.max(bw * s, 100), h = Math.max(bh * s, 100);
    return { x: (g.width - w) / 2, y: (g.height - h) / 2, w, h };
  }

  function applyView(svg) {
    (svg || box.querySelector("svg")).setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }

  function highlight() {
    const sel = model.get("selected");
    const q = search.value.trim().toLowerCase();
    let keep = null;
    if (sel && nodeEls.has(sel)) keep = reach(g.edges, sel, model.get("direction"));
    const hits = new Set();
    if (q) for (const n of g.nodes) if ((n.title + " " + n.detail + " " + n.group).toLowerCase().includes(q)) hits.add(n.key);
    for (const [k, e] of nodeEls) {
      const dim = (keep && !keep.has(k)) || (q && !hits.has(k) && !keep);
      e.style.opacity = dim ? 0.15 : 1;
      e.querySelector("rect").setAttribute("stroke-width", hits.has(k) || k === sel ? 4 : byKey.get(k).sw);
    }
    for (const p of edgeEls) p.style.opacity = keep && !(keep.has(p.dataset.s) && keep.has(p.dataset.d)) ? 0.1 : 1;
    info.textContent = q ? `${hits.size} match(es)` : `${g.nodes.length} nodes, ${g.edges.length} edges`;
  }

  // The SVG keeps its aspect ratio ("meet"), so one screen pixel is the larger of the two
  // viewBox/box ratios, and the drawing is centred in the box.
  function toGraph(clientX, clientY) {
    const r = box.getBoundingClientRect();
    const s = Math.max(view.w / (r.width || 1), view.h / (r.height || 1));
    return { s, x: view.x + view.w / 2 + (clientX - r.left - r.width / 2) * s,
             y: view.y + view.h / 2 + (clientY - r.top - r.height / 2) * s };
  }

  // `dragged` tells the click that ends a pan from a click on a node or the background.
  let drag = null, dragged = false;
  box.addEventListener("mousedown", (e) => {
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, s: toGraph(e.clientX, e.clientY).s };
    dragged = false;
    box.style.cursor = "grabbing";
  });
  const endDrag = () => { drag = null; box.style.cursor = "grab"; };
  window.addEventListener("mouseup", endDrag);
  box.addEventListener("mousemove", (e) => {
    if (!drag) return;
    if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) dragged = true;
    auto = false;
    view.x = drag.vx - (e.clientX - drag.x) * drag.s;
    view.y = drag.vy - (e.clientY - drag.y) * drag.s;
    applyView();
  });
  box.addEventListener("wheel", (e) => {
    e.preventDefault();
    const f = e.deltaY > 0 ? 1.15 : 1 / 1.15;
    const p = toGraph(e.clientX, e.clientY);
    view = { x: p.x - (p.x - view.x) * f, y: p.y - (p.y - view.y) * f, w: view.w * f, h: view.h * f };
    auto = false;
    applyView();
  }, { passive: false });
  box.addEventListener("click", () => {
    if (dragged) return;
    model.set("selected", "");
    model.save_changes();
  });
  reset.addEventListener("click", () => { view = null; draw(); });
  search.addEventListener("input", () => { model.set("search", search.value); model.save_changes(); highlight(); });
  dir.addEventListener("change", () => { model.set("direction", dir.value); model.save_changes(); });
  // The search text and direction can also be set from Python.
  const sync = () => {
    dir.value = model.get("direction");
    if (search.value !== model.get("search")) search.value = model.get("search");
  };
  model.on("change:graph", draw);
  model.on("change:selected", highlight);
  model.on("change:direction", () => { sync(); highlight(); });
  model.on("change:search", () => { sync(); highlight(); });
  // Until the user pans or zooms, follow the box's size (it is 0 until the output is laid out).
  const resized = new ResizeObserver(() => { if (auto && g) { view = initialView(); applyView(); } });
  resized.observe(box);
  sync();
  draw();
  return () => { window.removeEventListener("mouseup", endDrag); resized.disconnect(); };
}

export default { render };
