"""How a tool fails, in process: a PlexMix error is the CLI's ``Error:``/``Hint:`` text, anything
else an ``Unexpected error`` line with a hint; neither carries a traceback or a secret."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

pytest.importorskip("mcp.server.fastmcp", reason="the [mcp] extra is not installed")

from mcp.server.fastmcp.exceptions import ToolError

from plexmix.errors import PlexConnectionError
from plexmix.mcp.server import build_server
from plexmix.utils.logging import register_secret

SECRET = "tok-0f9e8d7c6b5a"


def _failing(exc: Exception) -> Any:
    def open_pm() -> Any:
        raise exc

    return build_server(open_pm)


def _error_of(server: Any, tool: str) -> str:
    with pytest.raises(ToolError) as failed:
        anyio.run(server.call_tool, tool, {})
    return str(failed.value)


def test_a_plexmix_error_reads_as_the_cli_prints_it() -> None:
    register_secret(SECRET)
    exc = PlexConnectionError(f"Cannot reach the Plex server at http://nas:32400 (token {SECRET}).",
                              hint="Check PLEX_URL / plex.url and that the server is running")
    text = _error_of(_failing(exc), "list_players")
    assert text.endswith("Error: Cannot reach the Plex server at http://nas:32400 (token [REDACTED]).\n"
                         "Hint: Check PLEX_URL / plex.url and that the server is running")
    assert SECRET not in text


def test_an_unexpected_error_is_one_line_and_a_hint() -> None:
    register_secret(SECRET)
    text = _error_of(_failing(RuntimeError(f"boom {SECRET}")), "library_stats")
    assert "Error: Unexpected error: RuntimeError: boom [REDACTED]" in text
    assert "Hint: The traceback is in PlexMix's log file" in text
    assert SECRET not in text and "Traceback" not in text
