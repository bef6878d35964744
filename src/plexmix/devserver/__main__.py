"""Run the Plex emulator: ``python -m plexmix.devserver [--port N] [--token T] [--data ...]``.

Several libraries, servers and Home users:

* ``--split-genre Classical`` moves the albums whose genre is Classical into a second music
  library called "Classical" (repeatable: one library per genre); ``--movies`` adds a "Movies"
  section with a few films (not music: PlexMix must skip it).
* ``--name`` / ``--machine-id`` / ``--token`` give a second emulator (another ``--port``) its own
  identity: two processes side by side are two servers.
* ``--home-user NAME[:PIN]`` (repeatable) adds a Plex Home user with their own token, plays,
  ratings and playlists; ``--owner NAME`` names the admin. The Home's plex.tv account API is served
  under ``/plex.tv`` (printed as ``PLEX_ACCOUNT_URL``): point ``plexmix.plex.home`` at it.
* ``--player NAME`` (repeatable) adds a player the server sees (``plexmix players``, ``plexmix play``).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from plexmix.devserver.csv_loader import demo_library, load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.sections import DEMO_MOVIES, SectionSpec, split_library
from plexmix.devserver.server import PlexEmulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m plexmix.devserver",
        description="Serve an emulated Plex Media Server on 127.0.0.1 (and its Plex Home's plex.tv API).",
    )
    parser.add_argument("--port", type=int, default=32400, help="TCP port (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--token", default="demo-token", help="the X-Plex-Token clients must send")
    parser.add_argument(
        "--data", default="demo", help="'demo' (bundled ~2,000 tracks) or a track CSV path (.csv or .csv.gz)"
    )
    parser.add_argument("--limit", type=int, default=None, help="read at most N rows of the CSV")
    parser.add_argument("--repeat", type=int, default=1, help="copy the data N times (bigger libraries)")
    parser.add_argument(
        "--synthetic", type=int, default=None, metavar="N",
        help="serve N synthetic tracks derived from the bundled ones (e.g. 1000000; ignores --data)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for ratings, plays and dates")
    parser.add_argument(
        "--sonic",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve the library as sonically analysed (Plex Pass): /nearest and computePath (default on)",
    )
    parser.add_argument(
        "--split-genre", action="append", default=[], metavar="GENRE",
        help="move albums of this genre into a second music library named after it (repeatable)",
    )
    parser.add_argument("--movies", action="store_true", help="add a 'Movies' section with a few films")
    parser.add_argument("--name", default="PlexMix Emulator", help="the server's friendly name")
    parser.add_argument("--machine-id", default=None, help="the server's machineIdentifier")
    parser.add_argument("--owner", default="Owner", help="the name of the server's owner (Home admin)")
    parser.add_argument(
        "--home-user", action="append", default=[], metavar="NAME[:PIN]",
        help="a Plex Home user, with a PIN when given (repeatable)",
    )
    parser.add_argument(
        "--player", action="append", default=[], metavar="NAME",
        help="a player (Plexamp) the server sees, for `plexmix players` and `plexmix play` (repeatable)",
    )
    return parser


def build_emulator(args: argparse.Namespace) -> PlexEmulator:
    """The emulator the parsed command line describes (not started)."""
    library: MusicLibrary
    if args.synthetic is not None:
        from plexmix.devserver.synthetic import build_synthetic

        library = build_synthetic(args.synthetic, seed=args.seed, sonic=args.sonic)
    elif args.data == "demo" and args.limit is None and args.repeat == 1:
        library = demo_library(seed=args.seed, sonic=args.sonic)
    else:
        from plexmix.devserver.csv_loader import DEMO_PATH

        path = DEMO_PATH if args.data == "demo" else args.data
        library = load_library(
            path, limit=args.limit, repeat=args.repeat, track_genres=True, seed=args.seed, sonic=args.sonic
        )
    libraries = [library]
    for genre in args.split_genre:
        key = max(lib.section_key for lib in libraries) + 1
        libraries.append(split_library(library, genre, [genre], section_key=key))
    extra: list[SectionSpec] = [("movie", "Movies", DEMO_MOVIES)] if args.movies else []
    return PlexEmulator(
        libraries, token=args.token, host=args.host, port=args.port, friendly_name=args.name,
        machine_identifier=args.machine_id, extra_sections=extra, owner=args.owner,
        home_users=args.home_user, seed=args.seed, players=args.player,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emu = build_emulator(args)
    except ValueError as exc:
        print(f"Cannot build the emulator: {exc}", file=sys.stderr)
        return 2
    library = emu.library
    try:
        emu.start()
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:  # a Ctrl+C that comes while the banner is printed stops the server cleanly too
        if args.synthetic is None:
            analysed = sum(1 for t in library.tracks.values() if library.analysed(t))
            print(f"Plex emulator serving {len(library.tracks)} tracks ({analysed} analysed)", flush=True)
        else:  # counting the analysed ones would derive every synthetic track
            print(f"Plex emulator serving {len(library.tracks)} synthetic tracks", flush=True)
        print(f"PLEX_URL={emu.url}", flush=True)  # scripts read these two lines second and third
        print(f"PLEX_TOKEN={emu.token}", flush=True)
        for lib in emu.libraries[1:]:
            print(f"Library {lib.title!r}: {len(lib.tracks)} tracks", flush=True)
        print(f"Server {emu.friendly_name!r} ({emu.machine_identifier})", flush=True)
        if len(emu.home.people) > 1:
            users = ", ".join(p.name + (" (PIN)" if p.pin else "") for p in emu.home.people[1:])
            print(f"Plex Home users: {users}", flush=True)
        if args.player:
            print(f"Players: {', '.join(args.player)}", flush=True)
        print(f"PLEX_ACCOUNT_URL={emu.account_url}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
