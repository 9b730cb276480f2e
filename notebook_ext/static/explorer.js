// lumex gradient explorer: draws f, f', f'' (1-D) or f's filled contours and gradient
// field (2-D) from values the kernel computed once on the slider grid, so moving a
// slider redraws here, without a kernel round trip. Vector output (SVG), colours from
// the page's theme (CSS variables in explorer.css), axes fixed by the whole curves.
function fmt(v, digits = 5) {
  if (v === null || v === undefined || Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 2).replace("e+", "e");
  return String(Number(v.toPrecision(digits)));
}

// A group of `svg` clipped to the plot box (curves and arrows stay off the tick labels).
function clipped(svg, box, attrs = {}) {
  const id = "lmxe-clip-" + Math.random().toString(36).slice(2);
  const cp = el("clipPath", { id });
  cp.append(el("rect", { x: box[0], y: box[1], width: box[2], height: box[3] }));
  const defs = el("defs");
  defs.append(cp);
  svg.append(defs);
  return el("g", { ...attrs, "clip-path": `url(#${id})` });
}

function ticks(lo, hi, count = 6) {
  const span = hi - lo || 1;
  const raw = span / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || raw;
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function arrays(model) {
  const view = model.get("curves");  // a DataView over float32 values
  const buf = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
  return new Float32Array(buf);
}

// Axes with ticks and grid lines; returns the scales.
function axes(svg, box, xr, yr, names) {
  const [L, T, W, H] = box;
  const sx = x => L + (x - xr[0]) / (xr[1] - xr[0]) * W;
  const sy = y => T + H - (y - yr[0]) / (yr[1] - yr[0]) * H;
  const g = el("g", { class: "lmxe-axes" });
  for (const t of ticks(xr[0], xr[1])) {
    g.append(el("line", { x1: sx(t), x2: sx(t), y1: T, y2: T + H, class: "lmxe-grid" }));
    g.append(el("text", { x: sx(t), y: T + H + 14, "text-anchor": "middle" }, fmt(t, 3)));
  }
  for (const t of ticks(yr[0], yr[1], 5)) {
    g.append(el("line", { x1: L, x2: L + W, y1: sy(t), y2: sy(t), class: "lmxe-grid" }));
    g.append(el("text", { x: L - 5, y: sy(t) + 4, "text-anchor": "end" }, fmt(t, 3)));
  }
  g.append(el("rect", { x: L, y: T, width: W, height: H, class: "lmxe-frame" }));
  g.append(el("text", { x: L + W, y: T + H + 27, "text-anchor": "end", class: "lmxe-name" }, names[0]));
  if (names[1]) g.append(el("text", { x: L - 36, y: T + 4, "text-anchor": "middle", class: "lmxe-name" }, names[1]));
  svg.append(g);
  return [sx, sy];
}

function slider(name, n, value, onInput) {
  const row = html("label", { className: "lmxe-row" });
  const input = html("input", { type: "range", min: 0, max: n - 1, step: 1, value });
  input.dataset.name = name;
  const out = html("span", { className: "lmxe-value" });
  row.append(html("span", { className: "lmxe-label" }, name), input, out);
  input.addEventListener("input", () => onInput(Number(input.value), "input"));
  input.addEventListener("change", () => onInput(Number(input.value), "change"));
  return { row, input, out };
}

function render({ model, el: root }) {
  const spec = model.get("spec");
  const two = spec.two_d;
  const xs = spec.xs, ys = spec.ys || [];
  const nx = xs.length, ny = ys.length;
  const wrap = html("div", { className: "lmxe" + (two ? " lmxe-2d" : "") });
  // Arrow keys move a focused slider; JupyterLab must not take them as shortcuts.
  wrap.dataset.lmSuppressShortcuts = "true";
  wrap.addEventListener("keydown", e => { if (e.target.type === "range") e.stopPropagation(); });
  const svg = el("svg", { class: "lmxe-plot", viewBox: two ? "0 0 470 440" : "0 0 660 300",
    preserveAspectRatio: "xMidYMid meet", role: "img" });
  const readout = html("code", { className: "lmxe-readout" });
  const controls = html("div", { className: "lmxe-controls" });
  wrap.append(svg, controls, readout);
  root.append(wrap);
  let data = arrays(model);
  let index = model.get("index").slice();
  let h = model.get("h");
  let sync = null;

  // ---- 1-D ---------------------------------------------------------------
  function draw1() {
    const box = [56, 28, 590, 236];
    const [sx, sy] = axes(svg, box, [xs[0], xs[nx - 1]], spec.y_range, [spec.names[0], ""]);
    const plot = clipped(svg, box);
    if (spec.y_range[0] < 0 && spec.y_range[1] > 0) {
      plot.append(el("line", { x1: box[0], x2: box[0] + box[2], y1: sy(0), y2: sy(0), class: "lmxe-zero" }));
    }
    const labels = ["f", "f′ = grad(f)", "f″ = grad(grad(f))"];
    for (let c = 0; c < 3; c++) {
      let d = "", pen = false;
      for (let i = 0; i < nx; i++) {
        const v = data[c * nx + i];
        if (!Number.isFinite(v)) { pen = false; continue; }
        const y = Math.max(-1e4, Math.min(1e4, sy(v)));
        d += (pen ? "L" : "M") + sx(xs[i]).toFixed(1) + "," + y.toFixed(1);
        pen = true;
      }
      plot.append(el("path", { d, class: `lmxe-curve lmxe-c${c}` }));
    }
    const guide = el("line", { class: "lmxe-guide", y1: box[1], y2: box[1] + box[3] });
    const tangent = el("line", { class: "lmxe-tangent" });
    const dot = el("circle", { r: 4.5, class: "lmxe-dot" });
    plot.append(guide, tangent, dot);
    svg.append(plot);
    const legend = el("g", { class: "lmxe-legend" });
    [...labels, "tangent"].forEach((t, k) => {
      const x = box[0] + 8 + k * 140;
      legend.append(el("line", { x1: x, x2: x + 18, y1: 14, y2: 14, class: k < 3 ? `lmxe-curve lmxe-c${k}` : "lmxe-tangent" }));
      legend.append(el("text", { x: x + 23, y: 18 }, t));
    });
    svg.append(legend);
    const sl = slider(spec.names[0], nx, index[0], (i, kind) => { index[0] = i; update(kind); });
    controls.append(sl.row);
    return () => {
      const i = index[0], x = xs[i];
      const f = data[i], df = data[nx + i], d2 = data[2 * nx + i], fd = data[3 * nx + i];
      guide.setAttribute("x1", sx(x)); guide.setAttribute("x2", sx(x));
      // The tangent, cut to the plot box (a dashed line far outside it costs a lot to draw).
      const [lo, hi] = spec.y_range;
      const ends = [xs[0], xs[nx - 1]].map(e => {
        const y = f + df * (e - x);
        if (y >= lo && y <= hi || df === 0) return [e, Math.max(lo, Math.min(hi, y))];
        const yb = y > hi ? hi : lo;
        return [x + (yb - f) / df, yb];
      });
      const ok = Number.isFinite(f) && Number.isFinite(df);
      tangent.setAttribute("x1", ok ? sx(ends[0][0]) : 0); tangent.setAttribute("y1", ok ? sy(ends[0][1]) : 0);
      tangent.setAttribute("x2", ok ? sx(ends[1][0]) : 0); tangent.setAttribute("y2", ok ? sy(ends[1][1]) : 0);
      dot.setAttribute("cx", sx(x)); dot.setAttribute("cy", Number.isFinite(f) ? sy(f) : -99);
      sl.input.value = i;
      sl.out.textContent = fmt(x);
      readout.textContent = `${spec.names[0]} = ${fmt(x)}: f = ${fmt(f, 6)}, f′ = ${fmt(df, 6)}, f″ = ${fmt(d2, 6)}; ` +
        `central difference (h=${h.toExponential(0)}) = ${fmt(fd, 6)}, |error| = ${Math.abs(fd - df).toExponential(1)}`;
      wrap.dataset.x = x;
    };
  }

  // ---- 2-D ---------------------------------------------------------------
  function draw2() {
    const n = nx * ny, F = 0, GX = n, GY = 2 * n, FX = 3 * n, FY = 4 * n;
    const box = [56, 16, 400, 380];
    const [sx, sy] = axes(svg, box, [xs[0], xs[nx - 1]], [ys[0], ys[ny - 1]], spec.names);
    // Filled contours: the values banded into levels on a canvas, one pixel per grid point.
    const canvas = html("canvas", { width: nx, height: ny });
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(nx, ny);
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < n; k++) { const v = data[F + k]; if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
    const stops = spec.colormap;  // viridis, 9 stops
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) {
      const v = data[F + i * ny + j];
      const p = 4 * ((ny - 1 - j) * nx + i);
      if (!Number.isFinite(v)) { img.data[p + 3] = 0; continue; }
      const level = Math.min(Math.floor((v - lo) / (hi - lo || 1) * 20), 19) / 19;
      const s = level * (stops.length - 1), k = Math.min(Math.floor(s), stops.length - 2), t = s - k;
      for (let c = 0; c < 3; c++) img.data[p + c] = stops[k][c] * (1 - t) + stops[k + 1][c] * t;
      img.data[p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    const dx = box[2] / (nx - 1), dy = box[3] / (ny - 1);
    svg.insertBefore(el("image", { href: canvas.toDataURL(), x: box[0] - dx / 2, y: box[1] - dy / 2,
      width: box[2] + dx, height: box[3] + dy, preserveAspectRatio: "none", class: "lmxe-heat" }), svg.firstChild);
    // Gradient field: every s-th point, lengths scaled to the largest.
    const s = Math.max(Math.round(nx / 10), 1);
    let gmax = 0;
    for (let k = 0; k < n; k++) { const m = Math.hypot(data[GX + k], data[GY + k]); if (Number.isFinite(m)) gmax = Math.max(gmax, m); }
    const len = 0.9 * s * Math.min(dx, dy) / (gmax || 1);
    const field = clipped(svg, box, { class: "lmxe-field" });
    for (let i = 0; i < nx; i += s) for (let j = 0; j < ny; j += s) {
      const gx = data[GX + i * ny + j], gy = data[GY + i * ny + j];
      if (!Number.isFinite(gx) || !Number.isFinite(gy)) continue;
      const x0 = sx(xs[i]), y0 = sy(ys[j]), x1 = x0 + gx * len, y1 = y0 - gy * len;
      field.append(el("line", { x1: x0, y1: y0, x2: x1, y2: y1 }));
      const a = Math.atan2(y1 - y0, x1 - x0), hl = Math.min(5, Math.hypot(x1 - x0, y1 - y0) / 2);
      field.append(el("path", { d: `M${x1},${y1} L${x1 - hl * Math.cos(a - 0.5)},${y1 - hl * Math.sin(a - 0.5)} ` +
        `M${x1},${y1} L${x1 - hl * Math.cos(a + 0.5)},${y1 - hl * Math.sin(a + 0.5)}` }));
    }
    svg.append(field);
    const arrow = el("line", { class: "lmxe-arrow" });
    const head = el("path", { class: "lmxe-arrow" });
    const dot = el("circle", { r: 5, class: "lmxe-dot" });
    svg.append(arrow, head, dot);
    const sl = [0, 1].map(a => slider(spec.names[a], a ? ny : nx, index[a], (i, kind) => { index[a] = i; update(kind); }));
    controls.append(sl[0].row, sl[1].row);
    return () => {
      const [i, j] = index, k = i * ny + j, x = xs[i], y = ys[j];
      const f = data[F + k], gx = data[GX + k], gy = data[GY + k];
      // The gradient at the point: its direction, at least 30 px long so it shows.
      const m = Math.hypot(gx, gy), px = m * len * 1.4, scale = m > 0 ? Math.max(px, 30) / m : 0;
      const x0 = sx(x), y0 = sy(y), x1 = x0 + gx * scale, y1 = y0 - gy * scale;
      dot.setAttribute("cx", x0); dot.setAttribute("cy", y0);
      arrow.setAttribute("x1", x0); arrow.setAttribute("y1", y0); arrow.setAttribute("x2", x1); arrow.setAttribute("y2", y1);
      const a = Math.atan2(y1 - y0, x1 - x0), hl = Math.min(9, Math.hypot(x1 - x0, y1 - y0) / 2);
      head.setAttribute("d", `M${x1},${y1} L${x1 - hl * Math.cos(a - 0.45)},${y1 - hl * Math.sin(a - 0.45)} ` +
        `M${x1},${y1} L${x1 - hl * Math.cos(a + 0.45)},${y1 - hl * Math.sin(a + 0.45)}`);
      sl[0].input.value = i; sl[1].input.value = j;
      sl[0].out.textContent = fmt(x); sl[1].out.textContent = fmt(y);
      readout.textContent = `f(${fmt(x)}, ${fmt(y)}) = ${fmt(f, 6)}; grad = (${fmt(gx, 6)}, ${fmt(gy, 6)}); ` +
        `central differences (h=${h.toExponential(0)}) = (${fmt(data[FX + k], 6)}, ${fmt(data[FY + k], 6)})`;
      wrap.dataset.x = x; wrap.dataset.y = y;
    };
  }

  const redraw = two ? draw2() : draw1();
  // h, the finite-difference step: the kernel recomputes the differences.
  const hs = html("label", { className: "lmxe-row lmxe-h" });
  const hin = html("input", { type: "range", min: -6, max: -1, step: 1, value: Math.round(Math.log10(h)) });
  hin.dataset.name = "h";
  const hout = html("span", { className: "lmxe-value" }, h.toExponential(0));
  hin.addEventListener("change", () => { model.set("h", 10 ** Number(hin.value)); model.save_changes(); });
  hin.addEventListener("input", () => { hout.textContent = (10 ** Number(hin.value)).toExponential(0); });
  hs.append(html("span", { className: "lmxe-label" }, "h (FD)"), hin, hout);
  controls.append(hs);

  function update(kind) {
    const t0 = performance.now();
    redraw();
    wrap.dataset.redrawMs = (performance.now() - t0).toFixed(2);
    // The kernel's copy of the point follows, at most ten times a second.
    if (kind === "change") { clearTimeout(sync); sync = null; push(); }
    else if (kind === "input" && sync === null) sync = setTimeout(() => { sync = null; push(); }, 100);
  }
  function push() { model.set("index", index.slice()); model.save_changes(); }

  model.on("change:curves", () => { data = arrays(model); redraw(); });
  model.on("change:h", () => { h = model.get("h"); hin.value = Math.round(Math.log10(h)); hout.textContent = h.toExponential(0); });
  model.on("change:index", () => { const v = model.get("index"); if (v.join() !== index.join()) { index = v.slice(); redraw(); } });
  redraw();
  wrap.dataset.ready = "1";
}

export default { render };
