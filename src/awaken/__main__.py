"""``python -m awaken``: the same as the ``awaken`` command."""

from awaken.cli import run

run()
