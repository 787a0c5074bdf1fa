// pooledu ShiftExplorer: the page draws the shifted input, the pooled outputs and the
// invariance curve from states pooledu precomputed (pooledu/widgets/shift_explorer.py).
// Plain ES module, no build step, nothing from a CDN. The page computes no number: it
// picks the state of the current controls, so it works on the static book site.

const MARKERS = ["circle", "square", "triangle", "diamond"];
let uid = 0;

function select(label, options, parent, id) {
  return control(label, parent, id, (wrap) => {
    const sel = node("select", { id }, wrap);
    for (const o of options) { node("option", { value: o, text: o }, sel); }
    return sel;
  });
}

function range(label, min, max, parent, id) {
  return control(label, parent, id, (wrap) => {
    const input = node("input", { type: "range", id, min, max, step: 1 }, wrap);
    const out = node("output", { for: id, class: "px-readout" }, wrap);
    return { input, out };
  });
}

// the same sentence as pooledu.widgets.shift_explorer.shift_text
function sentence(shift, direction, k, metric, labels) {
  const better = metric === "cosine similarity" ? "higher" : "lower";
  return `Shift ${shift} pixel${shift !== 1 ? "s" : ""} ${direction}, pool size ${k}. ` +
    `${metric} of each pooled output with the one at shift 0 (${better} = more invariant): ` +
    Object.entries(labels).map(([m, l]) => `<b>${escapeHtml(m)}</b> ${escapeHtml(l)}`).join(", ");
}

function marker(kind, x, y, color, parent) {
  const r = 3.5;
  if (kind === "circle") { return svgNode("circle", { cx: x, cy: y, r, fill: color }, parent); }
  if (kind === "square") {
    return svgNode("rect", { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: color }, parent);
  }
  const pts = kind === "triangle"
    ? [[x, y - r - 1], [x + r + 1, y + r], [x - r - 1, y + r]]
    : [[x, y - r - 1], [x + r + 1, y], [x, y + r + 1], [x - r - 1, y]];
  return svgNode("polygon", { points: pts.map((p) => p.join(",")).join(" "), fill: color }, parent);
}

function render({ model, el }) {
  const id = `pooledu-shift${++uid}`;
  const root = node("div", { class: "pooledu-x pooledu-shift" }, el);
  const view = { drawCount: 0 };
  root.pooleduView = view;
  keepKeys(root);   // dom.js
  const methods = model.get("methods"), colors = model.get("colors");
  const bar = node("div", { class: "px-controls", role: "group", "aria-label": "settings" }, root);
  const patterns = model.get("patterns");
  const pattern = patterns.length ? select("input", patterns, bar, `${id}-pattern`) : null;
  const shift = range("shift", 0, model.get("max_shift"), bar, `${id}-shift`);
  const direction = select("direction", ["right", "down", "diagonal"], bar, `${id}-direction`);
  const k = range("pool size", 1, model.get("kmax"), bar, `${id}-k`);
  const metric = select("measure", ["cosine similarity", "max abs change"], bar, `${id}-metric`);
  const text = node("div", { class: "px-info px-text" }, root);
  const message = node("div", { class: "px-message", role: "status", "aria-live": "polite" }, root);
  const figure = node("div", { class: "px-big px-shift-figure" }, root);

  function set(name, value) {
    if (model.get(name) === value) { return; }
    model.set(name, value);
    model.save_changes();
  }

  function panel(src, caption, alt, size) {
    const fig = node("figure", { class: "px-panel" }, figure);
    node("figcaption", { text: caption }, fig);
    node("img", { src, alt, class: "px-canvas", width: size, height: size,
                  style: `width:${size}px;height:${size}px` }, fig);
  }

  function curve(scene, m, s) {
    // the legend sits under the plot, one row per method, so it never hides a curve
    const W = 320, L = 52, R = 12, T = 26, B = 42, H = 228 + 18 * methods.length;
    const plotBottom = 220 - B;
    const n = model.get("max_shift");
    const [lo, hi] = scene.ylim[m];
    const px = (i) => L + (i / n) * (W - L - R);
    const py = (v) => T + (1 - (v - lo) / (hi - lo)) * (plotBottom - T);
    const fig = node("figure", { class: "px-panel" }, figure);
    const svg = svgNode("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
                                 "aria-label": `${m} vs shift 0, for shifts 0 to ${n}; ` +
                                 `the line marks shift ${s}` }, fig);
    svgNode("text", { x: W / 2, y: 16, class: "px-title", "text-anchor": "middle",
                      text: `${m} vs shift 0` }, svg);
    svgNode("rect", { x: L, y: T, width: W - L - R, height: plotBottom - T, fill: "none",
                      stroke: "#767676" }, svg);
    for (let i = 0; i <= n; i++) {
      svgNode("text", { x: px(i), y: plotBottom + 15, class: "px-tick", "text-anchor": "middle",
                        text: String(i) }, svg);
    }
    svgNode("text", { x: (L + W - R) / 2, y: plotBottom + 34, class: "px-title",
                      "text-anchor": "middle",
                      text: "shift (pixels)" }, svg);
    for (const v of [lo + 0.1 * (hi - lo) / 1.2, hi - 0.1 * (hi - lo) / 1.2]) {
      svgNode("text", { x: L - 4, y: py(v) + 4, class: "px-tick", "text-anchor": "end",
                        text: (Math.round(v * 1000) / 1000).toString() }, svg);
    }
    svgNode("line", { x1: px(s), x2: px(s), y1: T, y2: plotBottom, class: "px-shift-line" }, svg);
    methods.forEach((name, j) => {
      const ys = scene.curves[m][name];
      svgNode("polyline", { points: ys.map((v, i) => `${px(i)},${py(v)}`).join(" "),
                            fill: "none", stroke: colors[j], "stroke-width": 1.8,
                            "stroke-dasharray": ["", "6 3", "8 3 2 3", "2 3"][j % 4] }, svg);
      ys.forEach((v, i) => {
        const dot = marker(MARKERS[j % 4], px(i), py(v), colors[j], svg);
        if (i === s) { dot.setAttribute("class", "px-current"); }
      });
      const ly = 232 + 18 * j;
      svgNode("line", { x1: L, x2: L + 26, y1: ly, y2: ly, stroke: colors[j], "stroke-width": 2,
                        "stroke-dasharray": ["", "6 3", "8 3 2 3", "2 3"][j % 4] }, svg);
      marker(MARKERS[j % 4], L + 13, ly, colors[j], svg);
      svgNode("text", { x: L + 34, y: ly + 4, class: "px-tick",
                        text: `${name} ${scene.labels[m][name][s]}` }, svg);
    });
    // click the plot: go to that shift (the pictures follow)
    svg.addEventListener("click", (ev) => {
      const box = svg.getBoundingClientRect();
      const x = (ev.clientX - box.left) * (W / box.width);
      set("shift", Math.min(Math.max(Math.round((x - L) / (W - L - R) * n), 0), n));
    });
  }

  function draw() {
    const p = { pattern: model.get("pattern"), shift: model.get("shift"),
                direction: model.get("direction"), pool_size: model.get("pool_size"),
                metric: model.get("metric") };
    if (pattern) { pattern.value = p.pattern; }
    shift.input.value = shift.out.textContent = p.shift;
    direction.value = p.direction;
    k.input.value = k.out.textContent = p.pool_size;
    metric.value = p.metric;
    const scene = model.get("scenes")[`${p.pattern}|${p.direction}|${p.pool_size}`];
    figure.replaceChildren();
    view.drawCount += 1;
    view.params = p;
    view.model = { source: model.get("source"), max_shift: model.get("max_shift"),
                   methods: model.get("methods") };
    if (!scene || !scene.ok) {
      text.innerHTML = "";
      message.replaceChildren(node("div", { class: "px-error",
                                             text: scene ? scene.message : "not computed" }));
      view.ok = false; view.message = scene ? scene.message : "";
      return;
    }
    message.replaceChildren();
    const labels = {};
    for (const m of methods) { labels[m] = scene.labels[p.metric][m][p.shift]; }
    text.innerHTML = sentence(p.shift, p.direction, p.pool_size, p.metric, labels);
    view.ok = true; view.labels = labels; view.text = text.innerHTML;
    view.values = Object.fromEntries(methods.map((m) => [m, scene.curves[p.metric][m][p.shift]]));
    const inputs = model.get("inputs")[`${p.pattern}|${p.direction}`];
    const pictures = model.get("pictures");
    panel(pictures[inputs[p.shift]], `input, shift ${p.shift}`,
          `the input shifted ${p.shift} pixel(s) ${p.direction}`, 120);
    const [oh, ow] = scene.shape;
    for (const m of methods) {
      panel(pictures[scene.outputs[m][p.shift]], `${m}: ${labels[m]}`,
            `${m} pooled output (${oh} x ${ow}) at shift ${p.shift}`, 120);
    }
    curve(scene, p.metric, p.shift);
  }

  if (pattern) { pattern.addEventListener("change", () => set("pattern", pattern.value)); }
  shift.input.addEventListener("input", () => set("shift", Number(shift.input.value)));
  direction.addEventListener("change", () => set("direction", direction.value));
  k.input.addEventListener("input", () => set("pool_size", Number(k.input.value)));
  metric.addEventListener("change", () => set("metric", metric.value));
  const events = "change:pattern change:shift change:direction change:pool_size change:metric";
  model.on(events, draw);
  draw();
  return () => model.off(events, draw);
}

export default { render: uploadable(render) };   // upload.js: "Use your own image"
