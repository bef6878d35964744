"""``plexmix search QUERY``: keyword (FTS5, bm25) and semantic results, fused."""

from __future__ import annotations

from typing import Any

import typer

from plexmix.cli.output import print_json
from plexmix.cli.state import get_state


def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="Words or a mood, e.g. 'miles davis' or 'late night rain'."),
    limit: int = typer.Option(20, "--limit", "-n", help="Number of results (1-500)."),
    genre: list[str] = typer.Option([], "--genre", "-g", help="Only these genres (repeatable)."),
    year: str | None = typer.Option(None, "--year", "-y", help="1994, 1990-1999 or 90s."),
    artist: list[str] = typer.Option([], "--artist", "-a", help="Only these artists (repeatable)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
) -> None:
    """Search the library: full-text and vector results fused by reciprocal rank.

    Example: plexmix search "late night rain" --genre jazz --limit 10
    """
    from rich.table import Table

    from plexmix.errors import UsageError
    from plexmix.playlist.filters import parse_year
    from plexmix.playlist.retrieval import retrieve
    from plexmix.services.wiring import build_retrieval
    from plexmix.storage import library
    from plexmix.storage.queries import TrackFilters

    if not query.strip():
        raise UsageError("The search query is empty.", hint='Try plexmix search "miles davis".')
    if not 1 <= limit <= 500:
        raise UsageError(f"--limit must be between 1 and 500 (got {limit}).", hint="For example --limit 20.")
    filters = TrackFilters(genres=[g for g in genre if g.strip()], artists=[a for a in artist if a.strip()])
    if year is not None:
        filters.year_min, filters.year_max = parse_year(year)
    state = get_state(ctx)
    with state.open_db() as db:
        index, embedder, notes = build_retrieval(state.loaded, state.credentials, db.conn)
        found = retrieve(db.conn, query, filters, limit, index=index, embedder=embedder)
        tracks = {t.id: t for t in library.get_tracks(db.conn, [tid for tid, _ in found.ranked])}
    rows: list[dict[str, Any]] = []
    for tid, score in found.ranked:
        t = tracks.get(tid)
        if t is None:
            continue
        rows.append({
            "plex_key": t.plex_key, "title": t.title, "artist": t.artist_name, "album": t.album_title,
            "year": t.year, "genres": list(t.genres), "score": round(score, 4),
            "similarity": round(found.similarity[tid], 4) if tid in found.similarity else None,
            "keyword": round(found.keyword[tid], 4) if tid in found.keyword else None,
        })  # fmt: skip
    if as_json:
        print_json(state.out, {"query": query, "results": rows, "notes": notes})
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
            )  # fmt: skip
        state.out.print(table)
    for note in notes:
        state.err.print(f"[yellow]Note:[/] {note}")
