// pooledu PoolingZoo: the page shows two pooling functions on one photo, from states
// pooledu precomputed (pooledu/widgets/pooling_zoo.py): every function at every pool size.
// Plain ES module, no build step, nothing from a CDN; the page computes no number.

let uid = 0;

function render({ model, el }) {
  const id = `pooledu-zoo${++uid}`;
  const root = node("div", { class: "pooledu-x pooledu-zoo" }, el);
  const view = { drawCount: 0 };
  root.pooleduView = view;
  keepKeys(root);   // dom.js
  const bar = node("div", { class: "px-controls", role: "group", "aria-label": "settings" }, root);
  const names = model.get("names");
  const pick = (label, name) => control(label, bar, `${id}-${name}`, (wrap) => {
    const sel = node("select", { id: `${id}-${name}` }, wrap);
    for (const o of names) { node("option", { value: o, text: o }, sel); }
    return sel;
  });
  const left = pick("left", "left"), right = pick("right", "right");
  const k = control("pool size", bar, `${id}-k`, (wrap) => ({
    input: node("input", { type: "range", id: `${id}-k`, min: 1, max: model.get("kmax"), step: 1 },
                wrap),
    out: node("output", { for: `${id}-k`, class: "px-readout" }, wrap) }));
  const text = node("div", { class: "px-info px-text" }, root);
  const message = node("div", { class: "px-message", role: "status", "aria-live": "polite" }, root);
  const figure = node("div", { class: "px-big px-zoo-figure" }, root);

  function set(name, value) {
    if (model.get(name) === value) { return; }
    model.set(name, value);
    model.save_changes();
  }

  function panel(src, caption, alt) {
    const fig = node("figure", { class: "px-panel" }, figure);
    node("figcaption", { text: caption }, fig);
    const img = node("img", { src, alt, class: "px-canvas" }, fig);
    img.addEventListener("load", () => {
      // every panel as wide as the others (192 px), so a 32 x 32 output is drawn as
      // large as the 128 x 128 input it came from: its cells look 4x bigger
      const scale = 192 / Math.max(img.naturalWidth, img.naturalHeight);
      img.style.width = `${Math.round(img.naturalWidth * scale)}px`;
      img.style.height = `${Math.max(Math.round(img.naturalHeight * scale), 8)}px`;
    });
  }

  function draw() {
    const p = { left: model.get("left"), right: model.get("right"),
                pool_size: model.get("pool_size") };
    left.value = p.left; right.value = p.right;
    k.input.value = k.out.textContent = p.pool_size;
    const table = model.get("table"), pictures = model.get("pictures");
    const a = table[`${p.left}|${p.pool_size}`], b = table[`${p.right}|${p.pool_size}`];
    figure.replaceChildren();
    view.drawCount += 1;
    view.params = p;
    if (!a || !a.ok) {
      text.innerHTML = "";
      view.ok = false; view.message = a ? a.message : "not computed";
      message.replaceChildren(node("div", { class: "px-error", text: view.message }));
      return;
    }
    message.replaceChildren();
    view.ok = true;
    text.innerHTML = `${a.line}<br>${b.line}`;
    view.text = text.innerHTML;
    const input = model.get("input");
    panel(pictures[input.picture], input.caption, `the ${input.caption} photo`);
    panel(pictures[a.picture], `${p.left}: ${a.shape}`, `${p.left} output, ${a.shape}`);
    panel(pictures[b.picture], `${p.right}: ${b.shape}`, `${p.right} output, ${b.shape}`);
  }

  left.addEventListener("change", () => set("left", left.value));
  right.addEventListener("change", () => set("right", right.value));
  k.input.addEventListener("input", () => set("pool_size", Number(k.input.value)));
  const events = "change:left change:right change:pool_size";
  model.on(events, draw);
  draw();
  return () => model.off(events, draw);
}

export default { render: uploadable(render) };   // upload.js: "Use your own image"
