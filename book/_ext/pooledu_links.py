"""The book's links to the course repository: on only when the repository is real.

``repository: url:`` in book/_config.yml is the one setting. While it is empty (or
a placeholder such as the ``github.com/pooledu/pooledu`` the course started with,
or Jupyter Book's own default), the site shows no repository button and no launch
buttons (Binder, Colab, ...): they would lead nowhere. Once an instructor sets it
to the repository that hosts the course, the repository button and the launch
buttons configured under ``launch_buttons:`` appear (README: "Hosting the course").
"""

from __future__ import annotations

PLACEHOLDER_URLS = {
    "",
    "https://github.com/pooledu/pooledu",  # the course's old placeholder: no such repository
    "https://github.com/executablebooks/jupyter-book",  # Jupyter Book's default
}
LAUNCH_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url", "jupyterlite_url",
               "deepnote_url")
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button",
                      "use_source_button")


def is_placeholder(url: str | None) -> bool:
    url = (url or "").strip().rstrip("/")
    return url in PLACEHOLDER_URLS or "example." in url or "<" in url


def apply_repository_setting(theme_options: dict) -> bool:
    """Turn the repository and launch buttons on or off from ``repository_url``.

    Changes ``theme_options`` (Sphinx's html_theme_options) in place and returns
    whether the links are on.
    """
    url = theme_options.get("repository_url")
    if is_placeholder(url):
        theme_options["repository_url"] = ""
        for key in REPOSITORY_BUTTONS:
            theme_options[key] = False
        launch = dict(theme_options.get("launch_buttons") or {})
        for key in LAUNCH_KEYS:
            launch[key] = ""
        launch["thebe"] = False
        theme_options["launch_buttons"] = launch
        return False
    theme_options["use_repository_button"] = True
    return True


def _on_config_inited(app, config):
    apply_repository_setting(config.html_theme_options)


def setup(app):
    # Before the theme reads its options (builder-inited).
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
