"""Shared pieces of the reliability tests: sync helpers from tests/plex, emulator-backed CLI runs."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for folder in (TESTS / "plex", TESTS / "reliability"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
