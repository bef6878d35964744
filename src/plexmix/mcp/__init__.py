"""PlexMix as an MCP server: the assistant is the front end, the services do the work.

``plexmix mcp`` serves the tools of :mod:`plexmix.mcp.tools` (over stdio, or streamable HTTP on
127.0.0.1) with the official ``mcp`` SDK, an optional dependency (``pip install 'plexmix[mcp]'``).
Importing this package loads nothing: the SDK and the services load when the server starts and
when a tool runs.
"""

from __future__ import annotations

INSTALL_HINT = "Install the MCP extra: pip install 'plexmix[mcp]'."
