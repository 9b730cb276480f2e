// lumex backward sweep: the graph view's static picture (render_svg, light or dark with
// the page), animated: each step gives one more node its gradient, in the order the
// engine's backward pass finished them (reverse topological order).
function render({ model, el: host }) {
  const d = model.get("data");
  const root = html("div", { className: "lmxe lmxs" });
  const bar = html("div", { className: "lmxe-controls lmxs-bar" });
  const back = html("button", { title: "one step back" }, "◀ step");
  const play = html("button", { title: "play the backward pass" }, "▶ play");
  const fwd = html("button", { title: "one step forward" }, "step ▶");
  const reset = html("button", { title: "no gradients yet" }, "reset");
  const count = html("span", { className: "lmxe-value" });
  bar.append(back, play, fwd, reset, count);
  const note = html("code", { className: "lmxe-readout" });
  const pic = html("div", { className: "lmxs-pic" });
  root.append(bar, note, pic);
  host.append(root);
  let step = model.get("step"), timer = null, dark = null, groups = new Map();

  function draw() {
    dark = isDark();
    pic.innerHTML = dark ? d.dark : d.light;
    const svg = pic.querySelector("svg");
    svg.style.maxWidth = "100%";
    svg.style.height = "auto";
    // The current node's 4 px outline may pass the picture's edge: let it show.
    svg.style.overflow = "visible";
    svg.style.margin = "3px";
    groups = new Map();
    // render_svg writes one <g> per node, in the order of d.keys.
    pic.querySelectorAll("svg > g").forEach((g, i) => groups.set(d.keys[i], g));
    show();
  }

  function show() {
    const done = new Set(d.order.slice(0, step));
    const current = step > 0 ? d.order[step - 1] : null;
    for (const [key, g] of groups) {
      const texts = g.querySelectorAll("text");
      const detail = texts[texts.length - 1];
      if (texts.length > 1 && key in d.after) {
        detail.textContent = done.has(key) ? d.after[key] : (d.order.includes(key) ? d.before[key] + "  ∇ ?" : d.before[key]);
      }
      const rect = g.querySelector("rect");
      rect.setAttribute("stroke-width", key === current ? 4 : done.has(key) ? 2 : 1);
      rect.setAttribute("stroke", key === current ? "#d6336c" : done.has(key) ? "#2f9e44" : (dark ? "#adb5bd" : "#495057"));
      g.style.opacity = done.has(key) || !d.order.includes(key) ? 1 : 0.55;
    }
    count.textContent = `${step} / ${d.order.length}`;
    note.textContent = step === 0 ? "The backward pass starts at the output with gradient 1. Press play or step."
      : d.steps[step - 1];
    root.dataset.step = step;
    root.dataset.done = step === d.order.length ? "1" : "0";
  }

  function go(s) {
    step = Math.max(0, Math.min(d.order.length, s));
    show();
    model.set("step", step);
    model.save_changes();
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = "▶ play"; }
  play.addEventListener("click", () => {
    if (timer) return stop();
    if (step >= d.order.length) go(0);
    play.textContent = "❚❚ pause";
    timer = setInterval(() => { go(step + 1); if (step >= d.order.length) stop(); }, 700);
  });
  back.addEventListener("click", () => { stop(); go(step - 1); });
  fwd.addEventListener("click", () => { stop(); go(step + 1); });
  reset.addEventListener("click", () => { stop(); go(0); });
  model.on("change:step", () => { if (model.get("step") !== step) { step = model.get("step"); show(); } });
  // Follow the page's theme.
  const watch = new MutationObserver(() => { if (isDark() !== dark) draw(); });
  watch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  draw();
  return () => { stop(); watch.disconnect(); };
}

export default { render };
