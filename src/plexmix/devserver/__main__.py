"""Run the Plex emulator: ``python -m plexmix.devserver [--port N] [--token T] [--data ...]``."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

from plexmix.devserver.csv_loader import demo_library, load_library
from plexmix.devserver.library import MusicLibrary
from plexmix.devserver.server import PlexEmulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m plexmix.devserver", description="Serve an emulated Plex Media Server on 127.0.0.1."
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
    emu = PlexEmulator(library, token=args.token, host=args.host, port=args.port)
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
        print(f"PLEX_URL={emu.url}", flush=True)
        print(f"PLEX_TOKEN={emu.token}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
