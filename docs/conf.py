"""Sphinx configuration of the API reference: ``make docs`` builds it into ``site/``.

Docstrings are reStructuredText with Sphinx roles (``:func:``, ``:class:``); the few long
signatures use Google-style ``Args:`` sections, which ``napoleon`` reads. The narrative pages
are the Markdown files beside this one (``myst_parser``).
"""

from __future__ import annotations

import awaken

project = "awaken"
release = awaken.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
myst_heading_anchors = 3
# The guides link files outside docs/, skip heading levels, and sketch JSON with "...".
suppress_warnings = ["myst.xref_missing", "myst.header", "misc.highlighting_failure"]
html_theme = "alabaster"
html_title = f"awaken {release}"
