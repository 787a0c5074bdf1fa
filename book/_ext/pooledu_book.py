"""Small Sphinx fixes for the pooledu book (loaded through _config.yml).

Sphinx 7.4 lists an inline script registered by an extension twice when the
extension registers it after the builder started (sphinx-thebe and
sphinx-togglebutton do): once with filename ``None`` and once with ``''``.
The second ``const THEBE_JS_URL`` then throws "Identifier has already been
declared" in every page's console. Drop the duplicates before a page is written.
"""

from __future__ import annotations


def _key(script):
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {})
    return filename, tuple(sorted((k, str(v)) for k, v in attributes.items()))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    # Late (after MyST-NB adds the widget scripts at the default priority 500).
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
