// DOM helpers shared by every view's front end (prepended to each module's source by
// notebook_ext/_esm.py: an anywidget module is loaded alone and cannot import a sibling).
const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function html(tag, attrs = {}, text) {
  const e = Object.assign(document.createElement(tag), attrs);
  if (text !== undefined) e.textContent = text;
  return e;
}

function isDark() {
  const light = document.body && document.body.dataset.jpThemeLight;
  if (light !== undefined) return light === "false";
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
}
