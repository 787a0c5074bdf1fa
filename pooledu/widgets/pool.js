// pooledu page-side pooling: the rules of pooledu._geometry and pooledu.reference,
// in plain JavaScript, so an explorer on the static book site (no kernel) computes
// what pooledu computes. tests/test_widgets_parity.py runs these functions in
// Chromium against pooledu on hundreds of random settings.
//
// Arrays are flat, row-major Float64Array with channels last: x[(r * W + c) * C + ch].
// float32 inputs are summed in float32 (Math.fround after every addition, in
// row-major window order), as pooledu and TensorFlow do, so averages agree bit
// for bit; max / min / sum / avg are exact, lp agrees to float32 rounding.

function outputSize(n, k, s, padding, d, ceil) {
  // pooledu._geometry.output_size; null when no window fits. "valid":
  // floor((n - d(k-1) - 1) / s) + 1; "same": ceil(n / s); an int p (PyTorch):
  // floor((n + 2p - d(k-1) - 1) / s) + 1, rounded up in ceil mode but the last window
  // must start inside the input or the left padding
  const span = (d || 1) * (k - 1) + 1;
  if (padding === "valid") { return span > n ? null : Math.floor((n - span) / s) + 1; }
  if (padding === "same") { return Math.ceil(n / s); }
  let out = Math.floor((n + 2 * padding - span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= n + padding) { out -= 1; }
  return out < 1 ? null : out;
}

function paddingAmounts(n, k, s, padding) {
  // TensorFlow's split for "same": total = max((out - 1) * s + k - n, 0), the extra
  // cell after; an int p: p each side
  if (padding === "valid") { return [0, 0]; }
  if (padding !== "same") { return [padding, padding]; }
  const out = outputSize(n, k, s, padding);
  const total = Math.max((out - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function fitProblem(h, w, k, s, padding) {
  if (outputSize(h, k, s, padding) !== null && outputSize(w, k, s, padding) !== null) {
    return null;
  }
  return `A ${k}x${k} window does not fit in a ${h}x${w} input with padding '${padding}'. ` +
         `Choose a pool size of at most ${Math.min(h, w)}, or padding 'same'.`;
}

function windowProblem(h, w, k, s, padding, d, ceil, mode, cip) {
  // pooledu.widgets._common.window_problem: why these settings cannot pool, or null
  const dd = d || 1, counts = !!cip && mode === "avg";
  if (typeof padding === "string") {
    if (padding === "same" && dd > 1) {
      return `Dilation ${dd} is not defined with padding 'same' (TensorFlow dilates only ` +
             "'valid' windows). Choose padding 'valid' or an explicit padding (0, 1, ...).";
    }
    if (ceil) {
      return `ceil_mode needs an explicit padding (PyTorch's convention), not '${padding}'. ` +
             "Choose padding 0 for ceil mode without padding.";
    }
    if (counts) {
      return "count_include_pad needs an explicit padding (PyTorch's convention), not " +
             `'${padding}': 'valid' has no padding and 'same' never counts it.`;
    }
  } else if (padding > Math.floor(k / 2)) {
    return `Padding ${padding} is more than half the ${k}x${k} window: PyTorch allows at ` +
           `most pool_size // 2 = ${Math.floor(k / 2)}. Choose a smaller padding or a ` +
           "larger pool size.";
  }
  if (padding === "valid" && dd === 1) {
    const problem = fitProblem(h, w, k, s, padding);
    if (problem) { return problem; }
  }
  const g = geometry(h, w, k, s, padding, dd, ceil);
  if (g === null) {
    const span = dd * (k - 1) + 1;
    const spans = dd > 1 ? ` with dilation ${dd} (it spans ${span}x${span} cells)` : "";
    const where = padding === "valid" ? "with padding 'valid'" :
      `with padding ${padding} (${h + 2 * padding}x${w + 2 * padding} cells with the padding)`;
    return `A ${k}x${k} window${spans} does not fit in a ${h}x${w} input ${where}. Choose ` +
           `a smaller pool size${dd > 1 ? " or dilation" : ""}.`;
  }
  if (mode === "avg" && !counts && g.empty) {
    return "A window holds padding only, so its average has no cell to divide by. " +
           "Choose less padding or dilation, or turn count_include_pad on.";
  }
  return null;
}

function geometry(h, w, k, s, padding, d, ceil) {
  // everything about where the windows sit; null when they do not fit
  const dd = d || 1, c = !!ceil;
  const oh = outputSize(h, k, s, padding, dd, c), ow = outputSize(w, k, s, padding, dd, c);
  if (oh === null || ow === null) { return null; }
  const [pt, pb] = paddingAmounts(h, k, s, padding);
  const [pl, pr] = paddingAmounts(w, k, s, padding);
  const span = dd * (k - 1) + 1;
  // a ceil-mode window may hang past the padding: cells that are neither input nor padding
  const eb = Math.max(0, (oh - 1) * s - pt + span - (h + pb));
  const er = Math.max(0, (ow - 1) * s - pl + span - (w + pr));
  const g = { h, w, k, s, padding, d: dd, ceil: c, span, oh, ow, pt, pb, pl, pr, eb, er };
  // some window reads no input cell along an axis (padding only)
  const hollow = (n, out, before) => {
    for (let i = 0; i < out; i++) {
      let any = false;
      for (let j = 0; j < k; j++) { const t = i * s - before + j * dd; any = any || (t >= 0 && t < n); }
      if (!any) { return true; }
    }
    return false;
  };
  g.empty = hollow(h, oh, pt) || hollow(w, ow, pl);
  return g;
}

function windowOf(g, oi, oj) {
  // the window of output cell (oi, oj): full extent (may reach into padding), its taps
  // (d apart) and, for undilated windows, the real part
  const r0 = oi * g.s - g.pt, c0 = oj * g.s - g.pl, d = g.d || 1, span = d * (g.k - 1) + 1;
  const rowTaps = [], colTaps = [];
  for (let j = 0; j < g.k; j++) { rowTaps.push(r0 + j * d); colTaps.push(c0 + j * d); }
  return {
    rows: [r0, r0 + span], cols: [c0, c0 + span], rowTaps, colTaps,
    real: [[Math.max(r0, 0), Math.min(r0 + span, g.h)], [Math.max(c0, 0), Math.min(c0 + span, g.w)]],
  };
}

function tapCount(taps, lo, hi) { return taps.filter((t) => t >= lo && t < hi).length; }

function pool2d(x, shape, mode, k, s, padding, float32, p, opts) {
  // pooledu.reference.pool2d(x, mode, k, s, padding, p, dilation=, ceil_mode=,
  // count_include_pad=) for (H, W) or (H, W, C); null when windowProblem says no.
  // count_include_pad only acts with mode "avg" (as in the explorers).
  const [h, w, c] = [shape[0], shape[1], shape.length > 2 ? shape[2] : 1];
  const o = opts || {}, d = o.dilation || 1, ceil = !!o.ceilMode;
  const cip = !!o.countIncludePad && mode === "avg";
  if (windowProblem(h, w, k, s, padding, d, ceil, mode, cip) !== null) { return null; }
  const g = geometry(h, w, k, s, padding, d, ceil);
  const f = float32 ? Math.fround : (v) => v;
  const pp = p === undefined ? 2 : p;
  const out = new Float64Array(g.oh * g.ow * c);
  for (let oi = 0; oi < g.oh; oi++) {
    for (let oj = 0; oj < g.ow; oj++) {
      const win = windowOf(g, oi, oj);
      const rows = win.rowTaps.filter((r) => r >= 0 && r < h);
      const cols = win.colTaps.filter((cc) => cc >= 0 && cc < w);
      // the divisor: real cells, or (count_include_pad) also padded ones, never overhang
      const count = cip ? tapCount(win.rowTaps, -g.pt, h + g.pb) * tapCount(win.colTaps, -g.pl, w + g.pr)
        : rows.length * cols.length;
      for (let ch = 0; ch < c; ch++) {
        let acc = mode === "max" ? -Infinity : mode === "min" ? Infinity : 0;
        for (const r of rows) {           // row-major tap order, as pooledu and TF add
          for (const cc of cols) {
            const v = x[(r * w + cc) * c + ch];
            if (mode === "max") { acc = (v > acc || Number.isNaN(v)) ? v : acc; }
            else if (mode === "min") { acc = (v < acc || Number.isNaN(v)) ? v : acc; }
            else if (mode === "lp") { acc = f(acc + f(Math.pow(Math.abs(v), pp))); }
            else { acc = f(acc + v); }
          }
        }
        if (mode === "avg") { acc = f(acc / count); }
        if (mode === "lp") { acc = f(Math.pow(acc, f(1 / pp))); }
        out[(oi * g.ow + oj) * c + ch] = acc;
      }
    }
  }
  return { out, shape: shape.length > 2 ? [g.oh, g.ow, c] : [g.oh, g.ow], geometry: g };
}

function pool2dGrad(x, shape, dy, mode, k, s, padding, float32) {
  // pooledu.reference.pool2d_grad for (H, W): max / min send dy to the first winner
  // (row-major), avg shares it among the real cells, sum gives it to each of them
  const [h, w] = shape;
  const g = geometry(h, w, k, s, padding, 1, false);
  if (g === null) { return null; }
  const f = float32 ? Math.fround : (v) => v;
  const dx = new Float64Array(h * w);
  for (let oi = 0; oi < g.oh; oi++) {
    for (let oj = 0; oj < g.ow; oj++) {
      const d = dy[oi * g.ow + oj];
      if (d === 0) { continue; }
      const [[r0, r1], [c0, c1]] = windowOf(g, oi, oj).real;
      if (mode === "max" || mode === "min") {
        let best = r0 * w + c0;
        for (let r = r0; r < r1; r++) {
          for (let cc = c0; cc < c1; cc++) {
            const v = x[r * w + cc];
            if (mode === "max" ? v > x[best] : v < x[best]) { best = r * w + cc; }
          }
        }
        dx[best] = f(dx[best] + d);
      } else {
        const share = mode === "avg" ? f(d / ((r1 - r0) * (c1 - c0))) : d;
        for (let r = r0; r < r1; r++) {
          for (let cc = c0; cc < c1; cc++) { dx[r * w + cc] = f(dx[r * w + cc] + share); }
        }
      }
    }
  }
  return { dx, geometry: g };
}

function formatNumber(value, digits) {
  // pooledu.viz.format_number: at most `digits` (4) decimals, trailing zeros removed
  const d = digits === undefined ? 4 : digits;
  if (Number.isNaN(value)) { return "nan"; }
  if (!Number.isFinite(value)) { return value > 0 ? "inf" : "-inf"; }
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < Math.pow(10, -d))) {
    let [mant, exp] = value.toExponential(2).split("e");
    // numpy's format_float_scientific(precision=2, trim="-") keeps the point ("1.e-05")
    // when rounding cut digits off and left only zeros, unless the rounding carried
    const unique = value.toExponential().split("e")[0].replace("-", "");
    const cut = unique.replace(".", "").length > 3;
    const carried = unique[0] !== mant.replace("-", "")[0];
    mant = mant.replace(/0+$/, "");
    if (mant.endsWith(".") && !(cut && !carried)) { mant = mant.slice(0, -1); }
    const sign = exp[0] === "-" ? "-" : "+";
    exp = exp.replace(/^[+-]/, "");
    return `${mant}e${sign}${exp.length < 2 ? "0" + exp : exp}`;
  }
  let text = String(Number(value.toFixed(d)));
  if (text === "-0") { text = "0"; }
  return text;
}

function listValues(values, limit) {
  const n = limit === undefined ? 16 : limit;
  if (values.length <= n) { return values.join(", "); }
  return values.slice(0, n / 2).join(", ") + ", ..., " + values.slice(-3).join(", ");
}

function windowArithmetic(cells, mode, result, count) {
  // pooledu.widgets.window_arithmetic: "max(1, 3, 5, 6) = 6"; null marks a padded cell.
  // `result` is the pooled value (pooledu's number when a kernel sent it); `count` the
  // divisor of an average (default: the real cells; count_include_pad counts padding too)
  const real = cells.filter((v) => v !== null);
  if (mode === "max" || mode === "min") {
    const listed = cells.map((v) => (v === null ? "pad" : formatNumber(v)));
    return `${mode}(${listValues(listed)}) = ${formatNumber(result)}`;
  }
  const terms = real.length ? listValues(real.map((v) => formatNumber(v))).split(", ").join(" + ")
    : "0";
  if (mode === "sum") { return `${terms} = ${formatNumber(result)}`; }
  if (mode === "lp") {
    const squares = real.length ? listValues(real.map((v) => formatNumber(v) + "\u00b2"))
      .split(", ").join(" + ") : "0";
    return `sqrt(${squares}) = ${formatNumber(result)}`;
  }
  const divisor = count === undefined || count === null ? real.length : count;
  return `(${terms}) / ${divisor} = ${formatNumber(result)}`;
}

function outputSizeFormula(n, k, s, padding, d, ceil) {
  // pooledu.widgets.output_size_formula
  const dd = d || 1, out = outputSize(n, k, s, padding, dd, ceil);
  if (padding === "same") { return `out = ceil(${n} / ${s}) = ${out}`; }
  if (padding === "valid") {
    if (dd === 1) { return `out = floor((${n} - ${k}) / ${s}) + 1 = ${out}`; }
    return `out = floor((${n} - ${dd}*(${k} - 1) - 1) / ${s}) + 1 = ${out}`;
  }
  const inside = `(${n} + 2*${padding} - ${dd}*(${k} - 1) - 1) / ${s}`;
  if (!ceil) { return `out = floor(${inside}) + 1 = ${out}`; }
  const rounded = Math.ceil((n + 2 * padding - dd * (k - 1) - 1) / s) + 1;
  return `out = ceil(${inside}) + 1 = ${rounded}` + (rounded !== out ? ` - 1 = ${out}` : "");
}

function paddingText(n, k, s, padding, d, ceil) {
  if (typeof padding === "number") {
    let text = `padding ${padding} on each side`;
    const rounded = Math.ceil((n + 2 * padding - (d || 1) * (k - 1) - 1) / s) + 1;
    if (ceil && rounded !== outputSize(n, k, s, padding, d, ceil)) {
      text += "; a last window starting in the right padding is dropped";
    }
    return text;
  }
  if (padding === "valid") { return "no padding"; }
  const [before, after] = paddingAmounts(n, k, s, padding);
  const out = outputSize(n, k, s, padding);
  return `padding = max((${out} - 1) * ${s} + ${k} - ${n}, 0) = ${before + after}: ` +
         `${before} before, ${after} after`;
}

function formulaLines(h, w, k, s, padding, d, ceil) {
  // pooledu.widgets.PoolingExplorer's state["formula"]
  const line = (n) => `${outputSizeFormula(n, k, s, padding, d, ceil)}  ` +
                      `(${paddingText(n, k, s, padding, d, ceil)})`;
  if (h === w) { return [line(h)]; }
  return [["rows", h], ["columns", w]].map(([axis, n]) => `${axis}: ${line(n)}`);
}
