"""``plexmix mcp`` started as an assistant starts it (a subprocess over stdio), driven by the real
MCP client SDK. ``run_session(env, steps)`` runs ``await steps(session)`` against a fresh server
with the environment ``env`` and returns its result and what the server wrote on standard error."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("mcp.server.fastmcp", reason="the [mcp] extra is not installed")

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult

T = TypeVar("T")
Steps = Callable[[ClientSession], Awaitable[T]]


def run_session(steps: Steps[T], env: dict[str, str] | None = None) -> tuple[T, str]:
    env = dict(os.environ if env is None else env)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        result = asyncio.run(asyncio.wait_for(_session(steps, env, errlog), timeout=120))
        errlog.seek(0)
        return result, errlog.read()


async def _session(steps: Steps[T], env: dict[str, str], errlog: Any) -> T:
    params = StdioServerParameters(command=sys.executable, args=["-m", "plexmix", "mcp"], env=env,
                                   cwd=str(Path.cwd()))
    async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await steps(session)


def text_of(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def structured(result: CallToolResult) -> dict[str, Any]:
    """The typed result (also checked against the text content, which carries the same JSON)."""
    assert not result.isError, text_of(result)
    assert result.structuredContent is not None
    assert json.loads(text_of(result)) == result.structuredContent
    return result.structuredContent


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
