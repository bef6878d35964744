"""``plexmix web``: a small local web app over the services layer (a front end, like ``cli/``).

Starlette + Jinja2 templates served by uvicorn: server-rendered pages with a little plain
JavaScript, charts as server-rendered SVG, nothing fetched from the internet. Long work (sync,
refresh, an LLM call) runs in background threads (:mod:`plexmix.web.jobs`) and the page polls it.
The dependencies are the ``[web]`` extra: :func:`missing_dependencies` says which are absent.
"""

from __future__ import annotations

import importlib.util

REQUIRED = {"starlette": "starlette", "uvicorn": "uvicorn", "jinja2": "jinja2",
            "multipart": "python-multipart"}  # module: PyPI name
INSTALL_HINT = "Install the web extra: pip install 'plexmix[web]' (or make test, which installs it)."


def missing_dependencies() -> list[str]:
    """The packages of the ``[web]`` extra that are not installed (their PyPI names)."""
    return [package for module, package in REQUIRED.items() if importlib.util.find_spec(module) is None]
