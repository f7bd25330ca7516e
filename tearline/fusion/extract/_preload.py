"""Imported once by the extraction pool's fork server: gazetteers built before any fork.

The pool's workers are forked from a server process started from a clean
interpreter (never from the fusing process, which holds the database
connection and the writer lock). Building the place automaton and word
lists here, once, lets every worker start with them in memory; the
boilerplate cues too, since ``fuse`` strips boilerplate on the workers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tearline.fusion.boilerplate import strip_boilerplate
from tearline.fusion.extract import extract_text

extract_text("President Anna Berg said in Paris.", datetime(2020, 1, 1, tzinfo=UTC), None)
strip_boilerplate("Follow us on Twitter.\nPresident Anna Berg said in Paris.")
