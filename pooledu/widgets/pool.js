// pooledu page-side pooling: the rules of pooledu._geometry and pooledu.reference,
// in plain JavaScript, so an explorer on the static book site (no kernel) computes
// what pooledu computes. tests/test_widgets_parity.py runs these functions in
// Chromium against pooledu on hundreds of random settings.
//
// Arrays are flat, row-major Float64Array with channels last: x[(r * W + c) * C + ch].
// float32 inputs are summed in float32 (Math.fround after every addition, in
// row-major window order), as pooledu and TensorFlow do, so averages agree bit
// for bit; max / min / sum / avg are exact, lp agrees to float32 rounding.

function outputSize(n, k, s, padding) {
  // "valid": floor((n - k) / s) + 1 (null when the window does not fit); "same": ceil(n / s)
  if (padding === "valid") { return k > n ? null : Math.floor((n - k) / s) + 1; }
  return Math.ceil(n / s);
}

function paddingAmounts(n, k, s, padding) {
  // TensorFlow's split: total = max((out - 1) * s + k - n, 0), the extra cell after
  if (padding === "valid") { return [0, 0]; }
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

function geometry(h, w, k, s, padding) {
  // everything about where the windows sit; null when they do not fit
  const oh = outputSize(h, k, s, padding), ow = outputSize(w, k, s, padding);
  if (oh === null || ow === null) { return null; }
  const [pt, pb] = paddingAmounts(h, k, s, padding);
  const [pl, pr] = paddingAmounts(w, k, s, padding);
  return { h, w, k, s, padding, oh, ow, pt, pb, pl, pr };
}

function windowOf(g, oi, oj) {
  // the window of output cell (oi, oj): full extent (may reach into padding) and real part
  const r0 = oi * g.s - g.pt, c0 = oj * g.s - g.pl;
  return {
    rows: [r0, r0 + g.k], cols: [c0, c0 + g.k],
    real: [[Math.max(r0, 0), Math.min(r0 + g.k, g.h)], [Math.max(c0, 0), Math.min(c0 + g.k, g.w)]],
  };
}

function pool2d(x, shape, mode, k, s, padding, float32, p) {
  // pooledu.reference.pool2d(x, mode, k, s, padding, p) for (H, W) or (H, W, C)
  const [h, w, c] = [shape[0], shape[1], shape.length > 2 ? shape[2] : 1];
  const g = geometry(h, w, k, s, padding);
  if (g === null) { return null; }
  const f = float32 ? Math.fround : (v) => v;
  const pp = p === undefined ? 2 : p;
  const out = new Float64Array(g.oh * g.ow * c);
  for (let oi = 0; oi < g.oh; oi++) {
    for (let oj = 0; oj < g.ow; oj++) {
      const [[r0, r1], [c0, c1]] = windowOf(g, oi, oj).real;
      for (let ch = 0; ch < c; ch++) {
        let acc = mode === "max" ? -Infinity : mode === "min" ? Infinity : 0;
        for (let r = r0; r < r1; r++) {
          for (let cc = c0; cc < c1; cc++) {
            const v = x[(r * w + cc) * c + ch];
            if (mode === "max") { acc = (v > acc || Number.isNaN(v)) ? v : acc; }
            else if (mode === "min") { acc = (v < acc || Number.isNaN(v)) ? v : acc; }
            else if (mode === "lp") { acc = f(acc + f(Math.pow(Math.abs(v), pp))); }
            else { acc = f(acc + v); }
          }
        }
        if (mode === "avg") { acc = f(acc / ((r1 - r0) * (c1 - c0))); }
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
  const g = geometry(h, w, k, s, padding);
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

function windowArithmetic(cells, mode, result) {
  // pooledu.widgets.window_arithmetic: "max(1, 3, 5, 6) = 6"; null marks a padded cell.
  // `result` is the pooled value (pooledu's number when a kernel sent it).
  const real = cells.filter((v) => v !== null);
  if (mode === "max" || mode === "min") {
    const listed = cells.map((v) => (v === null ? "pad" : formatNumber(v)));
    return `${mode}(${listValues(listed)}) = ${formatNumber(result)}`;
  }
  const terms = listValues(real.map((v) => formatNumber(v))).split(", ").join(" + ");
  if (mode === "sum") { return `${terms} = ${formatNumber(result)}`; }
  if (mode === "lp") {
    return `sqrt(${listValues(real.map((v) => formatNumber(v) + "\u00b2")).split(", ").join(" + ")})` +
           ` = ${formatNumber(result)}`;
  }
  return `(${terms}) / ${real.length} = ${formatNumber(result)}`;
}

function outputSizeFormula(n, k, s, padding) {
  const out = outputSize(n, k, s, padding);
  if (padding === "valid") { return `out = floor((${n} - ${k}) / ${s}) + 1 = ${out}`; }
  return `out = ceil(${n} / ${s}) = ${out}`;
}

function paddingText(n, k, s, padding) {
  if (padding === "valid") { return "no padding"; }
  const [before, after] = paddingAmounts(n, k, s, padding);
  const out = outputSize(n, k, s, padding);
  return `padding = max((${out} - 1) * ${s} + ${k} - ${n}, 0) = ${before + after}: ` +
         `${before} before, ${after} after`;
}

function formulaLines(h, w, k, s, padding) {
  // pooledu.widgets.PoolingExplorer's state["formula"]
  if (h === w) {
    return [`${outputSizeFormula(h, k, s, padding)}  (${paddingText(h, k, s, padding)})`];
  }
  return [["rows", h], ["columns", w]].map(([axis, n]) =>
    `${axis}: ${outputSizeFormula(n, k, s, padding)}  (${paddingText(n, k, s, padding)})`);
}
