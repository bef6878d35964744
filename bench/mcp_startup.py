"""Start-up of ``plexmix mcp``: from launching it to the first tool listing (goal < 1 s, issue 17).

Launches the server the way an assistant does (a subprocess over stdio) with the real MCP client,
initializes the session and lists the tools; prints the median and the fastest of the runs, and
what the server had imported by then (no torch, plexapi, FAISS, ONNX runtime or AI SDK may load
before a tool needs it). The client's own imports happen before the clock starts.
Run: ``.venv/bin/python bench/mcp_startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

GOAL_S = 1.0
HEAVY = ("torch", "plexapi", "faiss", "onnxruntime", "openai", "anthropic", "google.genai", "numpy")
PROBE = "import sys; print(' '.join(m for m in {heavy!r} if m in sys.modules))"


async def _one(env: dict[str, str]) -> tuple[float, int]:
    params = StdioServerParameters(command=sys.executable, args=["-m", "plexmix", "mcp"], env=env)
    start = time.perf_counter()
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = await session.list_tools()
        elapsed = time.perf_counter() - start
    return elapsed, len(tools.tools)


def _heavy_modules_loaded() -> list[str]:
    """The heavy modules the server's import path loads (the same imports, in one process)."""
    import subprocess

    code = ("from plexmix.cli.main import app\nimport plexmix.cli.mcp_cmd\n"
            "from plexmix.mcp.server import build_server\nbuild_server(lambda: None)\n"
            + PROBE.format(heavy=HEAVY))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, PLEXMIX_HOME=home, PLEX_URL="http://127.0.0.1:9")
        samples, count = [], 0
        for _ in range(args.runs):
            elapsed, count = asyncio.run(_one(env))
            samples.append(elapsed)
    median = statistics.median(samples)
    heavy = _heavy_modules_loaded()
    print(f"plexmix mcp, launch to first tool listing ({count} tools, {args.runs} runs):")
    print(f"  median {median:.3f} s, fastest {min(samples):.3f} s (goal < {GOAL_S:.1f} s: "
          f"{'met' if median < GOAL_S else 'MISSED'})")
    print(f"  heavy modules loaded at start-up: {', '.join(heavy) or 'none'}")
    print(f"  load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
