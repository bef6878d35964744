"""``plexmix mcp``'s command line: the SDK missing is a clear error with the install hint; listening
beyond loopback needs a token; ``--http`` serves streamable HTTP on 127.0.0.1 to the real MCP
client, and with a token refuses a request without it (401)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
import pytest
from mcp_harness import closed_port
from typer.testing import CliRunner

from plexmix.cli.main import app
from plexmix.mcp import INSTALL_HINT

runner = CliRunner()


def test_without_the_sdk_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("plexmix.mcp.server", "plexmix.mcp.tools"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "mcp.server.fastmcp", None)  # as if not installed
    result = runner.invoke(app, ["mcp"])
    assert result.exit_code == 2
    assert "needs the MCP SDK" in result.output and INSTALL_HINT in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize("argv,expected", [
    (["mcp", "--http", "--host", "0.0.0.0"], "needs a token"),
    (["mcp", "--host", "127.0.0.1"], "--host applies to --http only"),
])
def test_listening_rules(argv: list[str], expected: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and expected in " ".join(result.output.split()), result.output


def _serve(port: int, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "plexmix", "mcp", "--http", "--port", str(port), *extra],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the HTTP server did not start")


async def _tool_names(url: str, headers: dict[str, str]) -> list[str]:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(url, headers=headers) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        return [t.name for t in (await session.list_tools()).tools]


def test_http_with_a_token() -> None:
    port, token = closed_port(), "mcp-http-token-1234"
    server = _serve(port, "--token", token)
    try:
        _wait_listening(port, server)
        url = f"http://127.0.0.1:{port}/mcp"
        refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, timeout=5)
        assert refused.status_code == 401
        names = asyncio.run(_tool_names(url, {"Authorization": f"Bearer {token}"}))
        assert "create_playlist" in names and "sync" in names
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()


def test_starting_the_server_loads_no_heavy_library() -> None:
    """What `plexmix mcp` imports before the first tool call: no model runtime, AI SDK, plexapi,
    FAISS or numpy (the services load them when a tool needs them)."""
    code = ("import sys\nfrom plexmix.cli.main import app\nimport plexmix.cli.mcp_cmd\n"
            "from plexmix.mcp.server import build_server\nbuild_server(lambda: None)\n"
            "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                timeout=60).stdout.split())
    assert "mcp" in loaded and "plexmix" in loaded
    assert not loaded & {"torch", "plexapi", "faiss", "onnxruntime", "openai", "anthropic", "google", "numpy",
                         "sentence_transformers", "tokenizers"}
