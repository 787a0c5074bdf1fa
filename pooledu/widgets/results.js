// pooledu ResultsExplorer: the page draws notebook 07's accuracies at one shift of the
// test digits, from the table pooledu precomputed (pooledu/widgets/results_explorer.py):
// every variant at every shift, with the labels pooledu wrote. Plain ES module, no build
// step, nothing from a CDN. The page computes no number: it picks the column of the
// current shift, so it works on the static book site with no kernel.

let uid = 0;

// the same sentence as pooledu.widgets.results_explorer.results_text
function sentence(shift, labels, best) {
  return `Shift ${shift}: best <b>${escapeHtml(best)}</b> (${labels[best]}); ` +
    Object.entries(labels).map(([v, l]) => `${escapeHtml(v)} ${l}`).join(", ");
}

// the same title as pooledu.widgets.results_explorer.shift_title
function shiftTitle(shift) {
  if (shift === 0) { return "test digits centred"; }
  const a = Math.abs(shift);
  return `test digits moved ${a} pixel${a !== 1 ? "s" : ""} ${shift > 0 ? "right" : "left"}`;
}

function render({ model, el }) {
  const id = `pooledu-results${++uid}`;
  const root = node("div", { class: "pooledu-x pooledu-results" }, el);
  const view = { drawCount: 0 };
  root.pooleduView = view;
  keepKeys(root);   // dom.js
  const shifts = model.get("shifts"), variants = model.get("variants");
  const bar = node("div", { class: "px-controls", role: "group", "aria-label": "settings" }, root);
  const wrap = node("span", { class: "px-control" }, bar);
  node("label", { for: `${id}-shift`, text: "shift (pixels; < 0: left)" }, wrap);
  const input = node("input", { type: "range", id: `${id}-shift`, min: shifts[0],
                                max: shifts[shifts.length - 1], step: 1 }, wrap);
  const readout = node("output", { for: `${id}-shift`, class: "px-readout" }, wrap);
  const text = node("div", { class: "px-info px-text" }, root);
  const figure = node("div", { class: "px-results-figure" }, root);

  function set(value) {
    if (model.get("shift") === value) { return; }
    model.set("shift", value);
    model.save_changes();
  }

  function chart(i, shift) {
    const curves = model.get("curves"), labels = model.get("labels");
    const intervals = model.get("intervals"), ciLabels = model.get("interval_labels");
    const colors = model.get("colors"), best = model.get("best")[i];
    const seeds = model.get("seeds"), zero = shifts.indexOf(0);
    const hasCi = intervals.length === variants.length;
    // one row per variant: its name, a bar (over a grey bar at shift 0), its value
    const W = 600, L = 104, R = 52, T = 30, ROW = 24, BAR = 15;
    const plotW = W - L - R, plotH = ROW * variants.length;
    const legendY = T + plotH + 44, H = legendY + 14;
    const px = (v) => L + Math.min(Math.max(v, 0), 1) * plotW;
    const svg = svgNode("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
                                 "aria-label": `Bar chart: mean test accuracy of each variant, ` +
                                 `${shiftTitle(shift)}; best ${variants[best]} ` +
                                 `${labels[best][i]}` }, figure);
    svgNode("text", { x: L + plotW / 2, y: 18, class: "px-title", "text-anchor": "middle",
                      text: shiftTitle(shift) }, svg);
    for (let t = 0; t <= 5; t++) {
      const x = L + (t / 5) * plotW;
      svgNode("line", { x1: x, x2: x, y1: T - 4, y2: T + plotH, class: "px-grid" }, svg);
      svgNode("text", { x, y: T + plotH + 15, class: "px-tick", "text-anchor": "middle",
                        text: ["0", "0.2", "0.4", "0.6", "0.8", "1"][t] }, svg);
    }
    svgNode("text", { x: L + plotW / 2, y: T + plotH + 32, class: "px-tick",
                      "text-anchor": "middle",
                      text: `mean test accuracy${seeds ? ` over ${seeds} seeds` : ""}` }, svg);
    const bars = [];
    variants.forEach((v, j) => {
      const y = T + j * ROW + (ROW - BAR) / 2, mid = T + j * ROW + ROW / 2;
      const value = curves[j][i], isBest = j === best;
      const g = svgNode("g", { class: `px-row${isBest ? " px-best" : ""}` }, svg);
      const ci = hasCi && intervals[j][i] !== null ? `, 95% interval ± ${ciLabels[j][i]}` : "";
      svgNode("title", { text: `${v}: ${labels[j][i]}${ci}` }, g);
      svgNode("text", { x: L - 8, y: mid + 4, class: "px-name", "text-anchor": "end",
                        text: v }, g);
      svgNode("rect", { x: L, y, width: px(curves[j][zero]) - L, height: BAR,
                        fill: colors.reference, class: "px-reference" }, g);
      bars.push(svgNode("rect", { x: L, y, width: value * plotW, height: BAR,
                                  fill: isBest ? colors.best : colors.bar, class: "px-bar",
                                  "data-variant": v }, g));
      if (hasCi && intervals[j][i] !== null) {
        const lo = px(value - intervals[j][i]), hi = px(value + intervals[j][i]);
        svgNode("path", { d: `M${lo},${mid}H${hi}M${lo},${mid - 4}V${mid + 4}` +
                             `M${hi},${mid - 4}V${mid + 4}`, class: "px-whisker" }, g);
      }
      svgNode("text", { x: W - R + 8, y: mid + 4, class: "px-value", text: labels[j][i] }, g);
    });
    // legend: what each mark means
    let x = L;
    const key = (swatch, label) => {
      swatch(x);
      svgNode("text", { x: x + 18, y: legendY + 4, class: "px-tick", text: label }, svg);
      // (the text is not measured: the view may not be in the document yet)
      x += 18 + 6.2 * label.length + 18;
    };
    key((x0) => svgNode("rect", { x: x0, y: legendY - 6, width: 12, height: 12,
                                  fill: colors.bar }, svg), `shift ${shift}`);
    key((x0) => svgNode("rect", { x: x0, y: legendY - 6, width: 12, height: 12,
                                  fill: colors.best }, svg), "best");
    if (shift !== 0) {
      key((x0) => svgNode("rect", { x: x0, y: legendY - 6, width: 12, height: 12,
                                    fill: colors.reference }, svg), "centred (shift 0)");
    }
    if (hasCi) {
      key((x0) => svgNode("path", { d: `M${x0},${legendY}H${x0 + 12}M${x0},${legendY - 4}` +
                                       `V${legendY + 4}M${x0 + 12},${legendY - 4}` +
                                       `V${legendY + 4}`, class: "px-whisker" }, svg),
          "95% interval over seeds");
    }
    return { bars, x0: L, width: plotW };
  }

  function draw() {
    const shift = model.get("shift");
    const i = shifts.indexOf(shift);
    input.value = shift;
    readout.textContent = String(shift);
    input.setAttribute("aria-valuetext", shiftTitle(shift).replace("test digits ", ""));
    figure.replaceChildren();
    view.drawCount += 1;
    view.params = { shift };
    if (i < 0) {                      // not a shift pooledu computed (never from the control)
      view.ok = false;
      text.replaceChildren(node("div", { class: "px-error",
                                          text: `No results for shift ${shift}.` }));
      return;
    }
    const labels = {};
    variants.forEach((v, j) => { labels[v] = model.get("labels")[j][i]; });
    const best = variants[model.get("best")[i]];
    text.innerHTML = sentence(shift, labels, best);
    const drawn = chart(i, shift);
    view.ok = true; view.text = text.innerHTML; view.labels = labels; view.best = best;
    view.values = Object.fromEntries(variants.map((v, j) => [v, model.get("curves")[j][i]]));
    view.scale = { x0: drawn.x0, width: drawn.width };
    if (view.onDraw) { view.onDraw(view); }
  }

  input.addEventListener("input", () => set(Number(input.value)));
  model.on("change:shift", draw);
  draw();
  return () => model.off("change:shift", draw);
}

export default { render };
