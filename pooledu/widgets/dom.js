// pooledu explorers: the page helpers every explorer's module shares. Put in front of
// each module by pooledu.widgets._window.front_end (plain text: no import, no build
// step, nothing from a CDN), so upload.js, pool.js and the explorers can call them.

const SVG_NS = "http://www.w3.org/2000/svg";

function node(tag, attrs, parent, ns) {
  // an element (SVG when `ns`) with attributes ("text": its text), added to `parent`
  const e = ns ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") { e.textContent = v; } else { e.setAttribute(k, v); }
  }
  if (parent) { parent.appendChild(e); }
  return e;
}

function svgNode(tag, attrs, parent) { return node(tag, attrs, parent, true); }

function control(label, parent, id, make) {
  // a labelled control: <span class="px-control"><label for=id>...</label>make()</span>
  const wrap = node("span", { class: "px-control" }, parent);
  node("label", { for: id, text: label }, wrap);
  return make(wrap);
}

function keepKeys(root) {
  // JupyterLab's notebook shortcuts must not take the keys that move our controls
  // (arrows, Home / End, Page Up / Down, Enter, Space): keep them in the explorer
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, select, button")) { ev.stopPropagation(); }
  });
}

// html.escape(s, quote=False), as the Python texts (results_text, shift_text) do
function escapeHtml(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

