// pooledu window explorers (PoolingExplorer, WindowStepper, GradientExplorer): the page
// draws the input, the windows and the output from small state. Appended to pool.js by
// pooledu/widgets/_window.py; plain ES module, no build step, nothing from a CDN.
//
// Numbers: the page computes with pool.js (the static book site has no kernel). When a
// kernel is connected, pooledu recomputes every setting and sends `result`; the page
// then draws pooledu's numbers (data-source="pooledu" on the root element).

const SMALL = 16;           // grids up to 16x16 are drawn cell by cell with their numbers
const CIVIDIS = [[0, 32, 77], [65, 77, 108], [124, 123, 120], [188, 175, 111], [255, 233, 69]];
let uid = 0;

function colour(t) {
  const u = Math.min(Math.max(Number.isFinite(t) ? t : 0.5, 0), 1) * (CIVIDIS.length - 1);
  const i = Math.min(Math.floor(u), CIVIDIS.length - 2), f = u - i;
  return CIVIDIS[i].map((a, j) => Math.round(a + f * (CIVIDIS[i + 1][j] - a)));
}

function ink(rgb) { return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 140 ? "#111" : "#fff"; }

function asArray(encoded) {
  // pooledu.widgets._window.encode_array: little-endian bytes in base64, float32 for
  // float32 arrays (each exactly a float64 too), float64 for the rest
  if (!encoded || !encoded.b64) { return null; }
  const text = atob(encoded.b64), bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  const data = encoded.float32 ? Float64Array.from(new Float32Array(bytes.buffer))
    : new Float64Array(bytes.buffer);
  return { shape: encoded.shape, float32: !!encoded.float32, data };
}

function range(label, min, max, parent, id) {
  const wrap = node("span", { class: "px-control" }, parent);
  node("label", { for: id, text: label }, wrap);
  const input = node("input", { type: "range", id, min, max, step: 1 }, wrap);
  const out = node("output", { for: id, class: "px-readout" }, wrap);
  return { input, out };
}

function select(label, options, parent, id) {
  const wrap = node("span", { class: "px-control" }, parent);
  node("label", { for: id, text: label }, wrap);
  const sel = node("select", { id }, wrap);
  for (const o of options) { node("option", { value: o, text: o }, sel); }
  return sel;
}

function paddingOptions(sel, most, torch) {
  // TensorFlow's two strings, then PyTorch's explicit padding: 0 .. most cells each side
  sel.textContent = "";
  const tf = node("optgroup", { label: "TensorFlow" }, sel);
  for (const o of ["valid", "same"]) { node("option", { value: o, text: o }, tf); }
  if (!torch) { return; }
  const pt = node("optgroup", { label: "PyTorch: cells on each side" }, sel);
  for (let p = 0; p <= most; p++) {
    node("option", { value: String(p), text: `${p} each side` }, pt);
  }
}

function checkbox(label, parent, id) {
  const wrap = node("span", { class: "px-control" }, parent);
  const box = node("input", { type: "checkbox", id }, wrap);
  node("label", { for: id, text: label }, wrap);
  return box;
}

function compute(model, x) {
  // everything the picture and the text need, from the page's own pooling (pool.js)
  // unless pooledu's result for exactly these settings is there
  const p = {
    kind: model.get("kind"), mode: model.get("mode"), k: model.get("pool_size"),
    s: model.get("strides"), padding: model.get("padding"), step: model.get("step"),
    allCells: model.get("all_cells"),
    // PyTorch's options (older saved explorers have none: the defaults)
    d: model.get("dilation") || 1, ceil: !!model.get("ceil_mode"),
    cip: !!model.get("count_include_pad"),
  };
  const [h, w] = x.shape;
  const c = x.shape.length > 2 ? x.shape[2] : 1;
  const problem = windowProblem(h, w, p.k, p.s, p.padding, p.d, p.ceil, p.mode, p.cip);
  if (problem) { return { p, ok: false, message: problem }; }
  const key = [p.mode, p.k, p.s, p.padding, p.d, p.ceil, p.cip];
  if (p.kind === "gradient") { key.push(p.step, p.allCells); }
  const result = model.get("result") || {};
  const fromKernel = result.ok && JSON.stringify(result.key) === JSON.stringify(key);
  const local = pool2d(x.data, x.shape, p.mode, p.k, p.s, p.padding, x.float32, 2,
                       { dilation: p.d, ceilMode: p.ceil, countIncludePad: p.cip });
  const g = local.geometry;
  const out = fromKernel ? asArray(result.output).data : local.out;
  const st = { p, ok: true, g, c, out, source: fromKernel ? "pooledu" : "page" };
  st.n = g.oh * g.ow;
  st.step = Math.min(Math.max(p.step, 0), st.n - 1);
  st.message = p.s > p.k ? `The stride (${p.s}) is larger than the window (${p.k}): ` +
    "some input cells are never looked at." : "";
  if (p.kind === "gradient") {
    if (fromKernel) { st.dx = asArray(result.dx).data; } else {
      const dy = new Float64Array(st.n);
      if (p.allCells) { dy.fill(1); } else { dy[st.step] = 1; }
      st.dx = pool2dGrad(x.data, x.shape, dy, p.mode, p.k, p.s, p.padding, x.float32).dx;
    }
  }
  return st;
}

function windowCells(x, st, index) {
  const g = st.g, [oi, oj] = [Math.floor(index / g.ow), index % g.ow];
  const win = windowOf(g, oi, oj), cells = [];
  let pads = 0, beyond = 0;   // padded taps; taps past the padding (ceil-mode overhang)
  for (const r of win.rowTaps) {
    for (const cc of win.colTaps) {
      const real = r >= 0 && r < g.h && cc >= 0 && cc < g.w;
      cells.push(real ? x.data[(r * g.w + cc) * st.c] : null);
      if (!real && r >= -g.pt && r < g.h + g.pb && cc >= -g.pl && cc < g.w + g.pr) { pads += 1; }
      else if (!real) { beyond += 1; }
    }
  }
  const count = st.p.cip && st.p.mode === "avg"
    ? tapCount(win.rowTaps, -g.pt, g.h + g.pb) * tapCount(win.colTaps, -g.pl, g.w + g.pr) : null;
  return { oi, oj, win, cells, pads, beyond, count };
}

function gradientSummary(x, st) {
  // pooledu.widgets.GradientExplorer's state["summary"]
  const g = st.g, recv = [];
  for (let i = 0; i < st.dx.length; i++) {
    if (st.dx[i] !== 0) { recv.push([Math.floor(i / g.w), i % g.w, x.data[i], st.dx[i]]); }
  }
  if (st.p.allCells) {
    let text = `dy = 1 for all ${st.n} output cells: ${recv.length} of ${g.h * g.w} input ` +
               "cells receive gradient";
    let best = 0;
    for (let i = 1; i < st.dx.length; i++) { if (st.dx[i] > st.dx[best]) { best = i; } }
    if (recv.length && st.dx[best] > 1) {
      text += `; the most, ${formatNumber(st.dx[best])}, goes to cell (${Math.floor(best / g.w)}, ` +
              `${best % g.w}) (windows overlap there or it wins several)`;
    }
    return { text, recv };
  }
  const [oi, oj] = [Math.floor(st.step / g.ow), st.step % g.ow];
  const parts = recv.slice(0, 12).map(([r, c, v, d]) =>
    `(${r}, ${c}) value ${formatNumber(v)} gets ${formatNumber(d)}`);
  const more = recv.length > 12 ? ` and ${recv.length - 12} more` : "";
  const how = {
    max: "only the largest value of the window (the first one on a tie) receives it",
    min: "only the smallest value of the window receives it",
    avg: `it is shared equally by the ${recv.length} real cells of the window`,
    sum: "every real cell of the window receives all of it",
  }[st.p.mode];
  return {
    text: `Output cell (${oi}, ${oj}) = ${formatNumber(st.out[st.step])}. Its gradient ` +
          `(dy = 1) goes back to: ${parts.join("; ") || "no cell"}${more} - ${how}.`,
    recv,
  };
}

function scaleOf(values) {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  if (!(hi > lo)) { hi = lo + 1; }
  return (v) => (v - lo) / (hi - lo);
}

function drawGridSvg(svg, opts) {
  // one grid of cells at (x0, y0): values[r][c] (null = padded / not yet computed)
  const { x0, y0, rows, cols, cs, value, scale, title, pad, numbers } = opts;
  svgNode("text", { x: x0, y: y0 - 8, class: "px-title", text: title }, svg);
  const group = svgNode("g", {}, svg);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = value(r, c);
      const attrs = { x: x0 + c * cs, y: y0 + r * cs, width: cs, height: cs };
      if (v === "beyond") {   // past the padding: neither input nor padding (ceil mode)
        svgNode("rect", { ...attrs, class: "px-beyond" }, group);
        continue;
      }
      if (v === "pad") {
        svgNode("rect", { ...attrs, class: "px-pad", fill: `url(#${pad})` }, group);
        continue;
      }
      if (v === null || v === undefined) {
        svgNode("rect", { ...attrs, class: "px-empty" }, group);
        continue;
      }
      const rgb = colour(scale(v));
      svgNode("rect", { ...attrs, class: "px-cell", fill: `rgb(${rgb})` }, group);
      if (numbers) {
        svgNode("text", { x: x0 + (c + 0.5) * cs, y: y0 + (r + 0.5) * cs, class: "px-num",
                          fill: ink(rgb), "font-size": Math.max(9, Math.min(14, cs / 3)),
                          text: formatNumber(v, 2) }, group);
      }
    }
  }
  return group;
}

const LUT = new Uint8ClampedArray(256 * 3);   // cividis, 256 steps, for canvases
for (let i = 0; i < 256; i++) { LUT.set(colour(i / 255), i * 3); }

function imageOf(ctx, data, h, w, c, scale, empty) {
  // an ImageData of the array: cividis for one channel, RGB (scaled) for three
  const img = ctx.createImageData(w, h), px = img.data;
  for (let i = 0; i < h * w; i++) {
    const o = i * 4;
    px[o + 3] = 255;
    if (empty && empty(i)) { px[o] = px[o + 1] = px[o + 2] = 238; continue; }
    if (c === 3) {
      for (let j = 0; j < 3; j++) { px[o + j] = 255 * scale(data[i * 3 + j]); }
      continue;
    }
    const t = scale(data[i * c]);
    const k = 3 * Math.round(255 * (t < 0 ? 0 : t > 1 ? 1 : (t === t ? t : 0.5)));
    px[o] = LUT[k]; px[o + 1] = LUT[k + 1]; px[o + 2] = LUT[k + 2];
  }
  return img;
}

function render({ model, el }) {
  const id = `pooledu-x${++uid}`;
  const root = node("div", { class: "pooledu-x", "data-kind": model.get("kind") }, el);
  const view = { drawCount: 0, source: "", text: "", output: null, shape: null };
  root.pooleduView = view;
  const kind = model.get("kind");
  const x = asArray(model.get("x"));
  const big = Math.max(x.shape[0], x.shape[1]) > SMALL || x.shape.length > 2;
  view.x = { shape: x.shape, float32: x.float32, data: Array.from(x.data) };

  keepKeys(root);   // dom.js
  const bar = node("div", { class: "px-controls", role: "group", "aria-label": "settings" }, root);
  const mode = select("mode", model.get("modes"), bar, `${id}-mode`);
  const k = range("pool size", 1, model.get("kmax"), bar, `${id}-k`);
  const s = range("stride", 1, model.get("kmax"), bar, `${id}-s`);
  const padding = select("padding", [], bar, `${id}-padding`);
  const torch = model.get("torch_options") === true;
  let paddingMost = -1;
  let allCells = null;
  if (kind === "gradient") {
    allCells = checkbox("dy = 1 for every output cell", bar, `${id}-all`);
  }
  // PyTorch's options (nn.MaxPool2d / nn.AvgPool2d), notebook 01 section 5
  let dil = null, ceilBox = null, cipBox = null;
  if (torch) {
    const torchBar = node("div", { class: "px-controls", role: "group",
                                   "aria-label": "PyTorch options" }, root);
    node("span", { class: "px-group-title", text: "PyTorch:" }, torchBar);
    dil = range("dilation", 1, model.get("dmax") || 3, torchBar, `${id}-dilation`);
    dil.input.classList.add("px-short");   // three values: a short slider
    ceilBox = checkbox("ceil_mode (round up)", torchBar, `${id}-ceil`);
    cipBox = checkbox("count_include_pad (avg)", torchBar, `${id}-cip`);
  }
  const stepBar = node("div", { class: "px-controls", role: "group",
                                "aria-label": kind === "gradient" ? "output cell" : "windows" }, root);
  const prev = node("button", { type: "button", class: "px-button", text: "\u25c0 previous" }, stepBar);
  const play = node("button", { type: "button", class: "px-button", text: "\u25b6 play" }, stepBar);
  const next = node("button", { type: "button", class: "px-button", text: "next \u25b6" }, stepBar);
  const stepRange = range(kind === "gradient" ? "output cell" : "window", 0, 0, stepBar, `${id}-step`);
  if (kind === "gradient") { play.hidden = true; }

  const info = node("div", { class: "px-info" }, root);
  const shapeLine = node("div", { class: "px-shape" }, info);
  const formula = node("div", { class: "px-formula" }, info);
  const windowLine = node("div", { class: "px-window" }, info);
  const arithmetic = node("code", { class: "px-arith" }, info);
  const message = node("div", { class: "px-message", role: "status", "aria-live": "polite" }, root);
  const figure = node("div", { class: "px-figure" }, root);

  let hover = null, timer = null, st = null;

  let quiet = false;
  function set(name, value) {
    // to the kernel first (pooledu's numbers are then on their way), then draw from the
    // page's own numbers at once
    if (model.get(name) === value) { return; }
    quiet = true;
    model.set(name, value);
    quiet = false;
    model.save_changes();
    draw();
  }

  function stopPlay() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "\u25b6 play";
    play.setAttribute("aria-pressed", "false");
  }

  function draw() {
    st = compute(model, x);
    view.drawCount += 1;
    view.params = st.p;
    view.hover = hover;
    mode.value = model.get("mode");
    k.input.max = s.input.max = model.get("kmax");
    k.input.value = k.out.textContent = model.get("pool_size");
    s.input.value = s.out.textContent = model.get("strides");
    const most = Math.max(Math.floor(model.get("kmax") / 2),
                          typeof model.get("padding") === "number" ? model.get("padding") : 0);
    if (most !== paddingMost) { paddingOptions(padding, most, torch); paddingMost = most; }
    padding.value = String(model.get("padding"));
    if (allCells) { allCells.checked = model.get("all_cells"); }
    if (torch) {
      dil.input.max = Math.max(model.get("dmax") || 3, st.p.d);
      dil.input.value = dil.out.textContent = st.p.d;
      ceilBox.checked = st.p.ceil;
      cipBox.checked = st.p.cip;
      cipBox.disabled = st.p.mode !== "avg";   // AvgPool2d's option only
      cipBox.title = cipBox.disabled ? "only with mode avg (PyTorch's AvgPool2d option)" : "";
    }
    if (!big || !st.ok) { figure.textContent = ""; }
    if (!st.ok) {
      root.dataset.source = view.source = "page";
      message.textContent = st.message;
      message.className = "px-message px-error";
      for (const e of [shapeLine, formula, windowLine, arithmetic]) { e.textContent = ""; }
      stepRange.input.max = 0; stepRange.input.value = 0; stepRange.out.textContent = "";
      view.text = st.message; view.output = null; view.shape = null; view.ok = false;
      stopPlay();
      return;
    }
    if (st.step !== model.get("step")) { set("step", st.step); }
    const g = st.g;
    root.dataset.source = view.source = st.source;
    view.ok = true;
    view.output = st.out;   // a Float64Array (tests copy it with Array.from)
    view.shape = x.shape.length > 2 ? [g.oh, g.ow, st.c] : [g.oh, g.ow];
    stepRange.input.max = st.n - 1;
    stepRange.input.value = st.step;
    stepRange.out.textContent = kind === "gradient"
      ? `(${Math.floor(st.step / g.ow)}, ${st.step % g.ow})` : `${st.step + 1} of ${st.n}`;
    message.textContent = st.message;
    message.className = st.message ? "px-message px-note" : "px-message";
    shapeLine.textContent = `output shape ${x.shape.join(" x ")} \u2192 ${view.shape.join(" x ")}`;
    formula.textContent = "";
    for (const line of formulaLines(g.h, g.w, g.k, g.s, g.padding, g.d, g.ceil)) {
      node("div", { text: line }, formula);
    }
    const shown = hover === null ? st.step : hover;
    const cell = windowCells(x, st, shown);
    const { oi, oj, win } = cell;
    const realOf = (taps, n) => {
      const real = taps.filter((t) => t >= 0 && t < n);
      if (!real.length) { return "none (padding only)"; }
      return g.d === 1 ? `${real[0]}-${real[real.length - 1]}` : real.join(", ");
    };
    const pointer = hover !== null && hover !== st.step ? "under the pointer: " : "";
    windowLine.textContent = `${pointer}window ${shown + 1} of ${st.n} \u2192 ` +
      `output cell (${oi}, ${oj}): ` +
      `rows ${realOf(win.rowTaps, g.h)}, columns ${realOf(win.colTaps, g.w)}`;
    let text = "";
    if (st.c === 1) {
      text = windowArithmetic(cell.cells, st.p.mode, st.out[shown], cell.count);
      const { pads, beyond } = cell, plural = (n) => (n > 1 ? "s" : "");
      if ((pads || beyond) && (st.p.mode === "max" || st.p.mode === "min")) {
        text += "   (padded cells never win)";
      } else if (pads && cell.count !== null) {
        text += `   (the ${pads} padded cell${plural(pads)} count${pads > 1 ? "" : "s"} in the divisor only)`;
      } else if (pads) {
        text += `   (the ${pads} padded cell${plural(pads)} ${pads > 1 ? "are" : "is"} not counted)`;
      }
      if (beyond && st.p.mode !== "max" && st.p.mode !== "min") {
        text += `   (${beyond} cell${plural(beyond)} past the padding never count)`;
      }
    }
    if (kind === "gradient") {
      const sum = gradientSummary(x, st);
      text = sum.text;
      view.dx = Array.from(st.dx);
    }
    arithmetic.textContent = text;
    view.text = text;
    if (big) { drawBig(cell); } else { drawSmall(cell); }
    if (view.onDraw) { view.onDraw(view); }   // a hook for the latency benchmark
  }

  function drawSmall(cell) {
    const g = st.g, c0 = cell.win.cols[0], r0 = cell.win.rows[0];
    // padded input, and the cells a ceil-mode window hangs past the padding
    const rowsIn = g.h + g.pt + g.pb + g.eb, colsIn = g.w + g.pl + g.pr + g.er;
    const cs = Math.max(22, Math.min(44, Math.floor(300 / Math.max(rowsIn, colsIn))));
    const gap = 48, top = 26;
    const panels = kind === "gradient" ? 3 : 2;
    const titleRoom = 8 * (st.p.mode.length + 14);   // the output panel's title
    const width = colsIn * cs + gap + Math.max(g.ow * cs, titleRoom) +
      (panels === 3 ? gap + Math.max(g.w * cs, 120) : 0) + 8;
    const height = top + Math.max(rowsIn, g.oh) * cs + 6;
    const svg = svgNode("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `input ${g.h} by ${g.w} with the window of output cell (${cell.oi}, ${cell.oj}) ` +
                    `highlighted, and the ${st.p.mode} pooling output ${g.oh} by ${g.ow}` }, null);
    const defs = svgNode("defs", {}, svg);
    const pat = svgNode("pattern", { id: `${id}-hatch`, width: 6, height: 6,
      patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, defs);
    svgNode("rect", { width: 6, height: 6, fill: "#f4f4f4" }, pat);
    svgNode("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#b0b0b0", "stroke-width": 2 }, pat);
    const marker = svgNode("marker", { id: `${id}-arrow`, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
    svgNode("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#D55E00" }, marker);
    const xs = scaleOf(x.data);
    const outScale = ["max", "avg", "min"].includes(st.p.mode) ? xs : scaleOf(st.out);
    const inX = 4, inY = top;
    drawGridSvg(svg, { x0: inX, y0: inY, rows: rowsIn, cols: colsIn, cs, scale: xs, numbers: true,
      pad: `${id}-hatch`, title: `input ${g.h}x${g.w}` + (g.pt + g.pb + g.pl + g.pr ? " + padding" : ""),
      value: (r, c) => {
        const rr = r - g.pt, cc = c - g.pl;
        if (rr >= g.h + g.pb || cc >= g.w + g.pr) { return "beyond"; }
        return rr < 0 || rr >= g.h || cc < 0 || cc >= g.w ? "pad" : x.data[rr * g.w + cc];
      } });
    // input | output | gradient: the routes run from the output back to the input
    const oX = inX + colsIn * cs + gap;
    if (kind === "gradient") {
      const gradX = oX + Math.max(g.ow * cs, titleRoom) + gap;
      const gs = scaleOf([0, ...st.dx]);
      drawGridSvg(svg, { x0: gradX, y0: inY + g.pt * cs, rows: g.h, cols: g.w, cs,
        scale: gs, numbers: true, title: "gradient dL/dx", value: (r, c) => st.dx[r * g.w + c] });
      for (let i = 0; i < st.dx.length; i++) {   // the cells that receive gradient
        if (st.dx[i] === 0) { continue; }
        svgNode("rect", { x: inX + ((i % g.w) + g.pl) * cs + 2, y: inY + (Math.floor(i / g.w) + g.pt) * cs + 2,
          width: cs - 4, height: cs - 4, class: "px-receiver" }, svg);
      }
    }
    const reveal = kind === "stepper";
    const outGroup = drawGridSvg(svg, { x0: oX, y0: inY, rows: g.oh, cols: g.ow, cs, scale: outScale,
      numbers: true, title: `${st.p.mode} pool \u2192 ${g.oh}x${g.ow}`,
      value: (r, c) => (reveal && r * g.ow + c > st.step ? null : st.out[r * g.ow + c]) });
    // the window on the input (it may reach into the padding) and its output cell
    if (!(kind === "gradient" && st.p.allCells)) {
      if (g.d === 1) {
        svgNode("rect", { x: inX + (c0 + g.pl) * cs, y: inY + (r0 + g.pt) * cs, width: g.k * cs,
          height: g.k * cs, class: "px-window-box" }, svg);
      } else {   // a dilated window: its span, and a box on each of its k x k taps
        svgNode("rect", { x: inX + (c0 + g.pl) * cs, y: inY + (r0 + g.pt) * cs, width: g.span * cs,
          height: g.span * cs, class: "px-window-span" }, svg);
        for (const r of cell.win.rowTaps) {
          for (const c of cell.win.colTaps) {
            svgNode("rect", { x: inX + (c + g.pl) * cs + 2, y: inY + (r + g.pt) * cs + 2,
              width: cs - 4, height: cs - 4, class: "px-window-box px-tap" }, svg);
          }
        }
      }
      svgNode("rect", { x: oX + cell.oj * cs, y: inY + cell.oi * cs, width: cs, height: cs,
        class: "px-window-box" }, svg);
    }
    if (kind === "gradient") {
      drawRoutes(svg, cs, inX, inY, oX, g);
    }
    // hover or click an output cell: its window; click keeps it
    Array.from(outGroup.querySelectorAll("rect")).forEach((rect, i) => {
      if (kind !== "gradient") {
        rect.addEventListener("mouseenter", () => { if (hover !== i) { hover = i; draw(); } });
      }
      rect.addEventListener("mouseleave", () => { if (hover !== null) { hover = null; draw(); } });
      rect.addEventListener("click", () => { hover = null; stopPlay(); set("step", i); });
      rect.classList.add("px-pick");
    });
    figure.appendChild(svg);
  }

  function drawRoutes(svg, cs, inX, inY, oX, g) {
    // the gradient's routes: from each output cell with dy = 1 back to the cells that receive it
    const cells = st.p.allCells ? Array.from({ length: st.n }, (_, i) => i) : [st.step];
    if (cells.length > 64) { return; }
    const dy = new Float64Array(st.n);
    for (const i of cells) {
      dy.fill(0); dy[i] = 1;
      const one = pool2dGrad(x.data, x.shape, dy, st.p.mode, g.k, g.s, g.padding, x.float32).dx;
      const [oi, oj] = [Math.floor(i / g.ow), i % g.ow];
      const fx = oX + (oj + 0.5) * cs, fy = inY + (oi + 0.5) * cs;
      for (let j = 0; j < one.length; j++) {
        if (one[j] === 0) { continue; }
        const tx = inX + ((j % g.w) + g.pl + 0.5) * cs, ty = inY + (Math.floor(j / g.w) + g.pt + 0.5) * cs;
        const mx = (fx + tx) / 2, my = Math.min(fy, ty) - 20;
        svgNode("path", { d: `M ${fx} ${fy} Q ${mx} ${my} ${tx} ${ty}`, class: "px-route",
                          "marker-end": `url(#${id}-arrow)` }, svg);
      }
    }
  }

  let bigView = null;   // canvases kept across redraws; the input image is drawn once

  function drawBig(cell) {
    const g = st.g;
    if (bigView === null) {
      const box = node("div", { class: "px-big" }, null);
      const panel = () => {
        const p = node("figure", { class: "px-panel" }, box);
        return [p, node("figcaption", {}, p)];
      };
      const [pin, capIn] = panel();
      const cin = node("canvas", { class: "px-canvas", role: "img" }, pin);
      const [pout, capOut] = panel();
      const cout = node("canvas", { class: "px-canvas", role: "img" }, pout);
      cin.width = g.w; cin.height = g.h;
      const ctxIn = cin.getContext("2d");
      const inputImage = imageOf(ctxIn, x.data, g.h, g.w, st.c, scaleOf(x.data));
      const scale = 256 / Math.max(g.h, g.w);
      cin.style.width = `${g.w * scale}px`;
      capIn.textContent = `input ${x.shape.join("x")}`;
      cin.setAttribute("aria-label", `input ${g.h} by ${g.w}`);
      cout.addEventListener("click", (ev) => {
        const r = cout.getBoundingClientRect(), sg = st.g;
        const oj = Math.min(sg.ow - 1, Math.floor((ev.clientX - r.left) / r.width * sg.ow));
        const oi = Math.min(sg.oh - 1, Math.floor((ev.clientY - r.top) / r.height * sg.oh));
        stopPlay();
        set("step", oi * sg.ow + oj);
      });
      bigView = { box, cin, cout, ctxIn, inputImage, capOut, scale, xs: scaleOf(x.data) };
    }
    const v = bigView;
    if (v.box.parentNode !== figure) { figure.textContent = ""; figure.appendChild(v.box); }
    v.ctxIn.putImageData(v.inputImage, 0, 0);
    v.ctxIn.strokeStyle = "#D55E00"; v.ctxIn.lineWidth = Math.max(1, g.h / 128);
    v.ctxIn.strokeRect(cell.win.cols[0], cell.win.rows[0], g.span, g.span);
    v.capOut.textContent = `${st.p.mode} pool \u2192 ${g.oh}x${g.ow}`;
    v.cout.setAttribute("aria-label", `${st.p.mode} pooling output ${g.oh} by ${g.ow}`);
    v.cout.width = g.ow; v.cout.height = g.oh;
    const outScale = ["max", "avg", "min"].includes(st.p.mode) ? v.xs : scaleOf(st.out);
    const ctxOut = v.cout.getContext("2d");
    ctxOut.putImageData(imageOf(ctxOut, st.out, g.oh, g.ow, st.c, outScale,
                                kind === "stepper" ? (i) => i > st.step : null), 0, 0);
    v.cout.style.width = `${g.ow * g.s * v.scale}px`;
  }

  // controls -> model (the page redraws at once; a kernel, if any, recomputes with pooledu)
  mode.addEventListener("change", () => set("mode", mode.value));
  k.input.addEventListener("input", () => set("pool_size", Number(k.input.value)));
  s.input.addEventListener("input", () => set("strides", Number(s.input.value)));
  padding.addEventListener("change", () => set("padding",
    ["valid", "same"].includes(padding.value) ? padding.value : Number(padding.value)));
  if (torch) {
    dil.input.addEventListener("input", () => set("dilation", Number(dil.input.value)));
    ceilBox.addEventListener("change", () => set("ceil_mode", ceilBox.checked));
    cipBox.addEventListener("change", () => set("count_include_pad", cipBox.checked));
  }
  if (allCells) { allCells.addEventListener("change", () => set("all_cells", allCells.checked)); }
  stepRange.input.addEventListener("input", () => { stopPlay(); set("step", Number(stepRange.input.value)); });
  prev.addEventListener("click", () => { stopPlay(); set("step", Math.max(model.get("step") - 1, 0)); });
  next.addEventListener("click", () => {
    stopPlay();
    if (st && st.ok) { set("step", Math.min(model.get("step") + 1, st.n - 1)); }
  });
  play.setAttribute("aria-pressed", "false");
  play.addEventListener("click", () => {
    if (timer !== null) { stopPlay(); return; }
    if (!st || !st.ok) { return; }
    if (model.get("step") >= st.n - 1) { set("step", 0); }
    play.textContent = "\u275a\u275a pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (!st || !st.ok || model.get("step") >= st.n - 1) { stopPlay(); return; }
      set("step", model.get("step") + 1);
    }, model.get("interval"));
  });

  const events = "change:mode change:pool_size change:strides change:padding change:step " +
                 "change:all_cells change:result change:kmax change:dilation change:ceil_mode " +
                 "change:count_include_pad change:dmax";
  const onChange = () => { if (!quiet) { draw(); } };
  model.on(events, onChange);
  draw();
  return () => { stopPlay(); model.off(events, onChange); };
}

export default { render };
