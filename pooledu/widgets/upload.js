// pooledu "Use your own image" (page side of pooledu/widgets/_upload.py), put in front of
// an explorer's module (shift.js, zoo.js): `export default { render: uploadable(render) }`.
// Plain ES module text, no build step, nothing from a CDN.
//
// The file's bytes go to the kernel (anywidget custom message with one buffer); pooledu
// decodes the picture and recomputes, then bumps `image_rev` and the explorer below the
// bar is drawn again. A kernel must answer first: the page says hello and shows the file
// control only when the kernel replies. On the static book site (the HTML widget manager
// has no kernel and model.send goes nowhere) a short note says where the upload works.

// The largest file is the model's `upload_max_bytes` (pooledu.widgets._upload.MAX_BYTES,
// 8 MiB: the file goes as one websocket message and the server closes the connection on
// one over 10 MiB).
const UPLOAD_WAIT_MS = 5000;      // no answer to hello by then: say the kernel is needed
const UPLOAD_REPLY_MS = 30000;    // no answer to a file by then: say so, allow another try
const UPLOAD_ACCEPT = "image/png,image/jpeg,image/gif,image/bmp,image/webp," +
                      ".png,.jpg,.jpeg,.gif,.bmp,.webp";
const UPLOAD_KINDS = "PNG, JPEG, GIF, BMP or WebP";
let uploadUid = 0;

function uploadable(render) {
  return (props) => {
    const { model, el } = props;
    if (!model.get("upload")) { return render(props); }
    const id = `pooledu-up${++uploadUid}`;
    const bar = node("div", { class: "pooledu-upload", role: "group",
                                    "aria-label": "image" }, el);
    keepKeys(bar);   // dom.js
    const controls = node("div", { class: "px-controls" }, bar);
    const fileWrap = node("span", { class: "px-control", hidden: "" }, controls);
    node("label", { for: `${id}-file`, text: "Use your own image" }, fileWrap);
    const file = node("input", { type: "file", id: `${id}-file`, accept: UPLOAD_ACCEPT,
                                       class: "px-file" }, fileWrap);
    const pickWrap = node("span", { class: "px-control", hidden: "" }, controls);
    node("label", { for: `${id}-pick`, text: "image" }, pickWrap);
    const pick = node("select", { id: `${id}-pick` }, pickWrap);
    const status = node("div", { class: "px-upload-status", role: "status",
                                       "aria-live": "polite" }, bar);
    const host = node("div", { class: "pooledu-upload-host" }, el);
    const view = { live: false, state: "waiting", message: "" };
    bar.pooleduUpload = view;

    function say(text, kind) {
      status.textContent = text;
      status.className = `px-upload-status${kind ? ` px-${kind}` : ""}`;
      view.message = text;
    }

    function syncPick() {
      const uploaded = model.get("uploaded");
      pickWrap.hidden = !(view.live && uploaded);
      pick.replaceChildren();
      node("option", { value: "built-in", text: "built-in" }, pick);
      if (uploaded) { node("option", { value: "uploaded", text: `yours: ${uploaded}` }, pick); }
      pick.value = model.get("image");
    }

    let cleanup = render({ ...props, el: host });
    function rebuild() {
      if (typeof cleanup === "function") { cleanup(); }
      host.replaceChildren();
      cleanup = render({ ...props, el: host });
      syncPick();
    }

    let timer = null;
    let replyTimer = null;
    function busy(on) {            // while pooledu works on a file: one file at a time
      file.disabled = on;
      if (on) {
        bar.setAttribute("aria-busy", "true");
      } else {
        bar.removeAttribute("aria-busy");
        clearTimeout(replyTimer);
        replyTimer = null;
      }
    }
    function onMessage(msg) {
      if (!msg || typeof msg.type !== "string") { return; }
      if (msg.type === "pooledu-upload-ready" && !view.live) {
        view.live = true; view.state = "ready";
        clearTimeout(timer);
        fileWrap.hidden = false;
        say("", "");
        syncPick();
      } else if (msg.type === "pooledu-upload-done") {
        busy(false);
        view.state = msg.ok ? "done" : "error";
        say(String(msg.message || ""), msg.ok ? "note" : "error");
      }
    }

    function failed(text) {
      busy(false);
      file.value = "";             // the same file can be chosen again
      view.state = "error";
      say(text, "error");
    }
    file.addEventListener("change", async () => {
      const f = file.files && file.files[0];
      if (!f) { return; }
      const most = model.get("upload_max_bytes") || 0;
      if (f.size > most) {
        const mb = (n) => `${Math.ceil((n / 2 ** 20) * 10) / 10} MB`;   // as pooledu says it
        failed(`That file is too large (${mb(f.size)}). Choose a picture under ${mb(most)}.`);
        return;
      }
      view.state = "busy";
      busy(true);
      say(`Reading ${f.name} and computing with pooledu\u2026`, "note");
      try {
        const bytes = await f.arrayBuffer();
        model.send({ type: "pooledu-upload", name: f.name }, undefined, [bytes]);
        file.value = "";
        replyTimer = setTimeout(() => {
          failed("No answer from the kernel after 30 seconds. Check that it is running, " +
                 `then choose the file again (or a smaller ${UPLOAD_KINDS} picture).`);
        }, UPLOAD_REPLY_MS);
      } catch (err) {
        failed("That file could not be read. Try another picture.");
      }
    });
    pick.addEventListener("change", () => {
      model.set("image", pick.value);
      model.save_changes();
    });

    const wm = model.widget_manager;
    model.on("msg:custom", onMessage);
    model.on("change:image_rev", rebuild);
    model.on("change:uploaded change:image", syncPick);
    syncPick();
    if (wm && wm.kernel) {         // JupyterLab's widget manager; the HTML manager has none
      model.send({ type: "pooledu-upload-hello" });
      timer = setTimeout(() => {
        if (view.live) { return; }
        view.state = "no-kernel";
        say("Run this notebook's cells with a running kernel to use your own image.", "note");
      }, UPLOAD_WAIT_MS);
    } else {
      view.state = "no-kernel";
      say("Open this notebook in JupyterLab to use your own image.", "note");
    }
    return () => {
      clearTimeout(timer);
      clearTimeout(replyTimer);
      model.off("msg:custom", onMessage);
      model.off("change:image_rev", rebuild);
      model.off("change:uploaded change:image", syncPick);
      if (typeof cleanup === "function") { cleanup(); }
    };
  };
}
