"""Build the pooledu book site (Jupyter Book 1.x), ready to work offline.

    .venv/bin/python tools/build_book.py            # what `make book` runs
    .venv/bin/python tools/build_book.py --output /tmp/site --quiet

Steps:

1. Check the table of contents: every notebook in ``notebooks/`` is listed in
   ``book/_toc.yml`` and every file the TOC lists exists. A missing notebook
   is an error, not a warning: a chapter nobody can find is a bug.
2. Fetch the JavaScript the pages need in the browser - MathJax, require.js and
   the ipywidgets HTML manager - from the npm registry at pinned versions (with
   ``npm pack``, each tarball checked against its pinned integrity hash) into
   ``book/_offline/vendor/`` (gitignored, never committed), and copy
   anywidget's front end (the explorers' widget class) there from its Python
   package. Sphinx copies that
   folder to the site root (``html_extra_path``), so no page requests anything
   from another host. Skipped when the pinned versions are already there.
3. Run ``jupyter-book build`` from scratch (``--all``: an incremental build
   would not repeat the warnings of unchanged pages) with every warning an
   error (``-W --keep-going``, so all warnings are listed before it fails).

The site is written to ``<output>/_build/html`` (default: ``book/_build/html``).
Exit status: 0 on success, 1 on a TOC problem, a failed fetch or a failed build.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

# name@version -> (integrity from the npm registry, files to keep).
# Each entry of "keep" maps a path inside the package to a path under vendor/.
# Only what a page loads is kept: the widget embedder and its icon fonts;
# MathJax's combined TeX component with the extensions, fonts and menu it
# loads on demand (its other combined components are left out).
NPM_ASSETS: dict[str, dict] = {
    "mathjax@3.2.2": {
        "integrity": "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/"
        "FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        "keep": {
            "package/es5/tex-mml-chtml.js": "mathjax/tex-mml-chtml.js",
            "package/es5/input/": "mathjax/input/",
            "package/es5/output/chtml/": "mathjax/output/chtml/",
            "package/es5/output/chtml.js": "mathjax/output/chtml.js",
            "package/es5/a11y/": "mathjax/a11y/",
            "package/es5/sre/": "mathjax/sre/",
            "package/es5/ui/": "mathjax/ui/",
            "package/es5/adaptors/": "mathjax/adaptors/",
            "package/LICENSE": "mathjax/LICENSE",
        },
    },
    "requirejs@2.3.8": {
        "integrity": "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+"
        "Jd5otXKGNehIonFlyQXSowL6Mw==",
        "keep": {
            "package/require.js": "requirejs/require.js",
            "package/README.md": "requirejs/README.md",
        },
    },
    # 1.x is the embedder for ipywidgets 8 widget state.
    "@jupyter-widgets/html-manager@1.0.15": {
        "integrity": "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUT"
        "opvFi//SABeNz1yp47bCrJ3CQA==",
        "keep": {
            "package/dist/embed-amd.js": "html-manager/embed-amd.js",
            "package/dist/embed.js.LICENSE.txt": "html-manager/LICENSE.txt",
            # icon fonts, loaded relative to __jupyter_widgets_assets_path__
            "package/dist/*.woff2": "html-manager/",
            "package/dist/*.woff": "html-manager/",
            "package/dist/*.ttf": "html-manager/",
            "package/dist/*.eot": "html-manager/",
            "package/dist/*.svg": "html-manager/",
        },
    },
}

# Loaded between require.js and the embedder (see nb_ipywidgets_js in
# _config.yml). The embedder loads its icon fonts from a global assets path;
# derive it from this script's own URL so it works at any page depth and from
# file:// as well as http://.
WIDGETS_SETUP_JS = """\
/* pooledu: point the ipywidgets embedder at its fonts, served by this site.
   Each bundle inside the embedder takes its base URL from its require.js
   module name ("@jupyter-widgets/controls", ".../html-manager/dist/libembed-amd"),
   so map both name prefixes onto our copy: the fonts sit beside embed-amd.js. */
(function () {
  var me = document.currentScript;
  if (!me || !me.src) { return; }
  var here = me.src.replace(/[^/]*$/, "");
  window.__jupyter_widgets_assets_path__ = here + "html-manager/";
  if (window.requirejs) {
    window.requirejs.config({
      paths: {
        "@jupyter-widgets": here + "html-manager",
        "@jupyter-widgets/html-manager/dist": here + "html-manager",
        /* the explorers are anywidgets: their front end comes from this site,
           not from a CDN (copied from the anywidget Python package) */
        "anywidget": here + "anywidget/index"
      }
    });
  }
  /* Accessibility of the saved core widgets (the explorers drawn by the page label
     their own controls): ipywidgets' sliders leave their handle (role="slider")
     without a name, and pictures saved in Output widgets have no alt text. Name
     each handle after its slider's description, and describe each picture,
     whenever the embedder draws widgets. */
  function label(root) {
    root.querySelectorAll(".widget-slider .noUi-handle:not([aria-label])").forEach(function (h) {
      var box = h.closest(".widget-slider");
      var text = box && box.querySelector(".widget-label");
      h.setAttribute("aria-label", (text && text.textContent.trim()) || "slider");
    });
    root.querySelectorAll(".widget-output img:not([alt]), "
                          + ".jupyter-widgets-output-area img:not([alt])")
      .forEach(function (img) {
        img.setAttribute("alt", "picture drawn by the explorer "
                                + "for the setting saved with this page");
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    label(document);
    new MutationObserver(function () { label(document); })
      .observe(document.body, {childList: true, subtree: true});
  });
  /* The widgets typeset LaTeX in their labels with MathJax 2's API
     (MathJax.Hub.Queue); the site loads MathJax 3. Bridge the one call, once
     MathJax 3 has replaced its configuration object (before the page's
     load event, when the embedder draws the widgets). */
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.typesetPromise) { return; }
    mj.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
        ready.then(function () {
          return mj.typesetPromise(element ? [element] : undefined);
        }).catch(function (err) { console.warn("MathJax typeset failed", err); });
      }
    };
  });
})();
"""

STAMP_NAME = "VERSIONS.json"


def anywidget_front_end() -> Path:
    """anywidget's front-end file (AMD module), as its Python package installs it.

    The wheel ships it as ``share/jupyter/nbextensions/anywidget/index.js`` (the same
    file as the npm package's ``dist/index.js``); the static site serves it so the
    widget embedder never asks a CDN for ``anywidget``.
    """
    from jupyter_core.paths import jupyter_path

    for folder in [Path(sys.prefix) / "share" / "jupyter", *map(Path, jupyter_path())]:
        candidate = folder / "nbextensions" / "anywidget" / "index.js"
        if candidate.exists():
            return candidate
    raise RuntimeError("anywidget's front end (share/jupyter/nbextensions/anywidget/index.js) "
                       "was not found: pip install anywidget (it is a pooledu dependency)")


def copy_anywidget(vendor: Path) -> None:
    """Copy anywidget's front end to ``vendor/anywidget/index.js`` when it changed."""
    source = anywidget_front_end()
    target = vendor / "anywidget" / "index.js"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def log(msg: str) -> None:
    print(f"build_book: {msg}", flush=True)


# --------------------------------------------------------------------- TOC ---
def toc_files(toc: dict) -> list[str]:
    """Every ``file:`` entry of a jb-book ``_toc.yml``, root first, in order."""
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def check_toc(book: Path) -> list[str]:
    """Problems with ``_toc.yml``: notebooks it misses, files it lists that do not exist."""
    toc = yaml.safe_load((book / "_toc.yml").read_text(encoding="utf-8"))
    listed = toc_files(toc)
    problems = []
    stems = {str(Path(f).with_suffix("")) for f in listed}
    notebooks = sorted((book / "notebooks").glob("*.ipynb"))
    if not notebooks:
        problems.append(f"no notebooks found in {book / 'notebooks'}")
    for nb in notebooks:
        entry = f"notebooks/{nb.stem}"
        if entry not in stems:
            problems.append(f"{nb.name} is not in _toc.yml: add '- file: {entry}'")
    for entry in listed:
        path = book / entry
        if not any(path.with_suffix(s).exists() for s in (".md", ".ipynb")) and not path.exists():
            problems.append(f"_toc.yml lists '{entry}', which does not exist (.md or .ipynb)")
    duplicates = {f for f in stems if sum(str(Path(x).with_suffix("")) == f for x in listed) > 1}
    problems += [f"_toc.yml lists '{d}' more than once" for d in sorted(duplicates)]
    return problems


# ----------------------------------------------------------- offline assets ---
def pinned_versions() -> dict:
    return {spec: meta["integrity"] for spec, meta in NPM_ASSETS.items()}


def assets_present(offline: Path) -> bool:
    stamp = offline / "vendor" / STAMP_NAME
    try:
        return json.loads(stamp.read_text()) == pinned_versions()
    except (OSError, ValueError):
        return False


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def _extract(tarball: Path, keep: dict[str, str], dest: Path) -> None:
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        for src, target in keep.items():
            if "*" in src:  # package/dist/*.woff -> every match, flat
                folder, pattern = src.rsplit("/", 1)
                suffix = pattern.lstrip("*")
                chosen = [
                    (m, target + m.name.rsplit("/", 1)[1])
                    for m in members
                    if m.name.rsplit("/", 1)[0] == folder and m.name.endswith(suffix)
                ]
            elif src.endswith("/"):
                chosen = [(m, target + m.name[len(src):]) for m in members
                          if m.name.startswith(src)]
            else:
                chosen = [(m, target) for m in members if m.name == src]
            if not chosen:
                raise RuntimeError(f"{tarball.name}: nothing matches {src!r}")
            for member, rel in chosen:
                out = dest / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as fh:
                    out.write_bytes(fh.read())


def fetch_assets(offline: Path, npm: str = "npm") -> None:
    """Fetch the pinned npm packages into ``offline/vendor`` (replacing it)."""
    if shutil.which(npm) is None:
        raise RuntimeError(
            "npm was not found; it fetches MathJax, require.js and the widget "
            "embedder once. Install Node.js (e.g. `apt-get install npm`) and re-run."
        )
    vendor = offline / "vendor"
    with tempfile.TemporaryDirectory(prefix="pooledu-npm-") as tmp:
        tmp_path = Path(tmp)
        staging = tmp_path / "vendor"
        env = dict(os.environ, npm_config_update_notifier="false",
                   npm_config_fund="false", npm_config_audit="false")
        cmd = [npm, "pack", "--json", "--pack-destination", str(tmp_path), *NPM_ASSETS]
        log("fetching " + ", ".join(NPM_ASSETS) + " with npm pack")
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, cwd=tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"`{' '.join(cmd)}` failed:\n{proc.stderr.strip()}")
        packed = json.loads(proc.stdout)
        for spec, info in zip(NPM_ASSETS, packed):
            meta = NPM_ASSETS[spec]
            tarball = tmp_path / info["filename"]
            got = _integrity(tarball)
            if got != meta["integrity"]:
                raise RuntimeError(f"{spec}: integrity {got} is not the pinned {meta['integrity']}")
            _extract(tarball, meta["keep"], staging)
        (staging / STAMP_NAME).write_text(json.dumps(pinned_versions(), indent=1) + "\n")
        if vendor.exists():
            shutil.rmtree(vendor)
        offline.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), str(vendor))
    log(f"offline assets ready in {vendor}")


# -------------------------------------------------------------------- build ---
def jupyter_book_command() -> list[str]:
    exe = Path(sys.executable).with_name("jupyter-book")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("jupyter-book")
    if found:
        return [found]
    return [sys.executable, "-m", "jupyter_book"]


def build(book: Path, output: Path | None, quiet: bool) -> int:
    cmd = [*jupyter_book_command(), "build", str(book), "--all", "-W", "--keep-going"]
    if output is not None:
        cmd += ["--path-output", str(output)]
    if quiet:
        cmd.append("--quiet")
    log("running " + " ".join(cmd))
    return subprocess.call(cmd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, default=BOOK,
                        help="book folder with _config.yml and _toc.yml (default: book/)")
    parser.add_argument("--output", type=Path, default=None,
                        help="write the site to OUTPUT/_build/html (default: BOOK/_build/html)")
    parser.add_argument("--refetch", action="store_true",
                        help="fetch the offline assets again even if present")
    parser.add_argument("--fetch-only", action="store_true",
                        help="only fetch the offline assets (no TOC check, no build)")
    parser.add_argument("--quiet", action="store_true", help="less output from jupyter-book")
    args = parser.parse_args(argv)
    book = args.book.resolve()

    problems = [] if args.fetch_only else check_toc(book)
    if problems:
        for problem in problems:
            print(f"build_book: error: {problem}", file=sys.stderr)
        return 1

    offline = book / "_offline"
    if args.refetch or not assets_present(offline):
        try:
            fetch_assets(offline)
        except (RuntimeError, OSError, ValueError) as exc:
            print(f"build_book: error: {exc}", file=sys.stderr)
            return 1
    else:
        log(f"offline assets already in {offline / 'vendor'} (pinned versions)")
    # Ours, not npm's: always rewritten, so an edit here reaches the next build.
    setup_js = offline / "vendor" / "widgets-setup.js"
    if not setup_js.exists() or setup_js.read_text(encoding="utf-8") != WIDGETS_SETUP_JS:
        setup_js.write_text(WIDGETS_SETUP_JS, encoding="utf-8")
    try:
        copy_anywidget(offline / "vendor")
    except (RuntimeError, OSError) as exc:
        print(f"build_book: error: {exc}", file=sys.stderr)
        return 1
    if args.fetch_only:
        return 0

    status = build(book, args.output, args.quiet)
    site = (args.output or book) / "_build" / "html"
    if status != 0:
        print("build_book: error: jupyter-book build failed (warnings are errors; see above)",
              file=sys.stderr)
        return 1
    log(f"site written to {site} (open {site / 'index.html'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
