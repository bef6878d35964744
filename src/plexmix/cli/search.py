"""``plexmix search QUERY``: keyword (FTS5, bm25) and semantic results, fused."""

from __future__ import annotations

from typing import Any

import typer

from plexmix.cli.output import print_json
from plexmix.cli.state import get_state


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., metavar="QUERY", help="Words or a mood, e.g. 'miles davis' or 'late night rain'."),
    limit: int = typer.Option(20, "--limit", "-n", metavar="N", help="Number of results (1-500)."),
    genre: list[str] = typer.Option([], "--genre", "-g", metavar="GENRE", help="Only these genres (repeatable)."),
    year: str | None = typer.Option(None, "--year", "-y", metavar="YEARS", help="1994, 1990-1999 or 90s."),
    artist: list[str] = typer.Option([], "--artist", "-a", metavar="ARTIST", help="Only these artists (repeatable)."),
    library: list[str] = typer.Option([], "--library", "-l", metavar="NAME", help="Only these music libraries (repeatable; default: plex.libraries)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Search the library: full-text and vector results fused by reciprocal rank.

    Example: plexmix search "late night rain" --genre jazz --limit 10
    """
    from rich.table import Table

    from plexmix.playlist.filters import filters_from_flags
    from plexmix.services.search import search_tracks

    state = get_state(ctx)
    filters = filters_from_flags(genres=genre, year=year, artists=artist)
    result = search_tracks(state.context, query, filters=filters, limit=limit, libraries=library)
    notes = result.notes
    rows: list[dict[str, Any]] = [hit.as_dict() for hit in result.hits]
    if as_json:
        print_json(result.as_dict())
        return
    if not rows:
        state.out.print("No matches. Try other words, fewer filters, or run `plexmix sync`.")
    else:
        table = Table(title=f"Search: {query}")
        for column in ("#", "Title", "Artist", "Album", "Year", "Genres", "Score", "Similarity", "Keyword"):
            table.add_column(column, justify="right" if column in ("#", "Year", "Score", "Similarity", "Keyword") else "left")
        for i, r in enumerate(rows, start=1):
            table.add_row(
                str(i), r["title"], r["artist"] or "", r["album"] or "", str(r["year"] or ""),
                ", ".join(r["genres"][:3]), f"{r['score']:.3f}",
                "—" if r["similarity"] is None else f"{r['similarity']:.3f}",
                "—" if r["keyword"] is None else f"{r['keyword']:.2f}",
            )
        state.out.print(table)
    for note in notes:
        state.err.print(f"[yellow]Note:[/] {note}")
