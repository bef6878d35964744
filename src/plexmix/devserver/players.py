"""The players (Plex clients) the emulated server sees, and the commands it relays to them.

A real server lists the players it knows at ``GET /clients`` (``<Server name host address port
machineIdentifier product protocolCapabilities .../>``) and relays remote-control commands sent to
it with ``X-Plex-Target-Client-Identifier`` (plexapi ``PlexClient.proxyThroughServer()``), e.g.
``GET /player/playback/playMedia?containerKey=/playQueues/ID...``. The emulator records each
command a player took (:attr:`Players.commands`) so tests can check that playback was asked for.

A player that is gone answers as a real server does: one no longer listed (:meth:`Players.remove`)
gets ``500`` "Unable to find player with identifier ..." (what Plex answers, as reported in
Hellowlol/bw_plex#141); one still listed but unreachable (``reachable=False``) gets the same after
``delay`` seconds, the time a real server spends trying to reach it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from plexmix.devserver.playlists import PlaylistStore
from plexmix.devserver.playqueues import PlayQueueStore

# A player as given to the emulator: a name, or (name, machineIdentifier, product).
PlayerSpec = str | tuple[str, str, str]
CAPABILITIES = "timeline,playback,playqueues,playqueues-creation"


@dataclass(slots=True)
class EmuPlayer:
    """A player; its fields mirror the attributes of a real server's ``/clients`` ``<Server>``
    element (an outside schema, declared here and in plexmix.plex.play, which stand apart)."""

    name: str
    machine_identifier: str
    product: str = "Plexamp"
    platform: str = "Linux"
    device_class: str = "pc"
    address: str = "127.0.0.1"
    port: int = 32500
    version: str = "4.12.3"
    capabilities: str = CAPABILITIES
    reachable: bool = True
    delay: float = 0.0  # seconds the server takes to relay a command (or to give up on it)
    play_queue_id: int | None = None  # what it was last asked to play

    @classmethod
    def from_spec(cls, spec: PlayerSpec) -> EmuPlayer:
        if isinstance(spec, str):
            digest = hashlib.sha1(f"plexmix-player:{spec}".encode()).hexdigest()[:24]
            return cls(spec, digest)
        name, machine_identifier, product = spec
        return cls(name, machine_identifier, product)


@dataclass(frozen=True, slots=True)
class PlayerCommand:
    """One command a player took: ``playback/playMedia`` and its parameters."""

    player: str  # the player's machineIdentifier
    command: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def play_queue_id(self) -> int | None:
        """The queue of a ``playMedia`` (``containerKey=/playQueues/ID?...``)."""
        path = urlsplit(self.params.get("containerKey", "")).path
        prefix = "/playQueues/"
        return int(path[len(prefix):]) if path.startswith(prefix) and path[len(prefix):].isdigit() else None


class Players:
    """The players the server sees, its play queues and the commands relayed (thread-safe)."""

    def __init__(self, specs: Sequence[PlayerSpec], playlists: PlaylistStore, seed: int = 0) -> None:
        self._players = [EmuPlayer.from_spec(spec) for spec in specs]
        self.queues = PlayQueueStore(playlists, seed)
        self._commands: list[PlayerCommand] = []
        self._lock = threading.Lock()

    def listed(self) -> list[EmuPlayer]:
        with self._lock:
            return list(self._players)

    def add(self, spec: PlayerSpec) -> EmuPlayer:
        player = EmuPlayer.from_spec(spec)
        with self._lock:
            self._players.append(player)
        return player

    def get(self, name_or_id: str) -> EmuPlayer | None:
        with self._lock:
            return next(
                (p for p in self._players if name_or_id in (p.name, p.machine_identifier)), None
            )

    def remove(self, name_or_id: str) -> bool:
        """The player is gone: no longer listed, and commands to it fail."""
        player = self.get(name_or_id)
        with self._lock:
            if player is None:
                return False
            self._players.remove(player)
            return True

    def record(self, player: EmuPlayer, command: str, params: dict[str, str]) -> None:
        with self._lock:
            self._commands.append(PlayerCommand(player.machine_identifier, command, dict(params)))
            if command == "playback/playMedia":
                player.play_queue_id = self._commands[-1].play_queue_id

    @property
    def commands(self) -> list[PlayerCommand]:
        """The commands players took, oldest first."""
        with self._lock:
            return list(self._commands)
