"""MkDocs hook: the formulas are typeset by KaTeX, served from the site.

`pymdownx.arithmatex` (generic mode) wraps each formula in
`<span class="arithmatex">\\(...\\)</span>` (or a `div` for display maths);
`docs/javascripts/katex.js` typesets them in the browser with KaTeX. The
readers, the build machine and CI may be offline, so KaTeX is not loaded
from a CDN: its npm package (installed by `make docs`) is copied into
`site/assets/katex/` after each build.
"""

import os
import shutil

from mkdocs.exceptions import PluginError

# Where `make docs` installs the package (npm install --prefix runs/katex),
# relative to mkdocs.yml; KATEX_DIST overrides it.
DEFAULT_DIST = os.path.join("runs", "katex", "node_modules", "katex", "dist")
# What the pages load, relative to the package's dist/ folder.
FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js",
         "fonts")


def _dist(config):
    path = os.environ.get("KATEX_DIST") or os.path.join(
        os.path.dirname(config.config_file_path), DEFAULT_DIST)
    missing = [name for name in FILES
               if not os.path.exists(os.path.join(path, name))]
    if missing:
        raise PluginError(
            f"KaTeX (the formulas' renderer) was not found in {path!r}: "
            f"missing {missing}. Run `make docs`, which installs it with "
            "npm (`npm install --prefix runs/katex katex@VERSION`, the "
            "Makefile's KATEX_VERSION), or set KATEX_DIST to the dist/ "
            "folder of an installed katex package.")
    return path


def on_config(config):
    _dist(config)  # fail before building, with the fix
    return config


def on_post_build(config):
    source = _dist(config)
    target = os.path.join(config.site_dir, "assets", "katex")
    for name in FILES:
        origin = os.path.join(source, name)
        destination = os.path.join(target, name)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        if os.path.isdir(origin):
            shutil.copytree(origin, destination, dirs_exist_ok=True)
        else:
            shutil.copy2(origin, destination)
