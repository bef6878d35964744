"""Over a keyword budget, the first common words are looked for in the songs' names only, and
any further common word is left out: looking in those columns reads all of its rows."""

from __future__ import annotations

from pathlib import Path

from one_album import album_track, one_album_db

from plexmix.storage import library, queries
from plexmix.storage.models import Track


def test_only_the_first_common_words_are_looked_for_in_names(tmp_path: Path) -> None:
    moods = ["calm", "dreamy", "warm"]  # on every track: each word alone is over the budget
    tracks = [album_track(f"t{i}", moods=moods) for i in range(6)]
    tracks.append(Track(plex_key="named", title="Warm Night", artist_key="a1", album_key="b1", moods=moods))
    with one_album_db(tmp_path / "m.db", tracks) as db:

        def keys(text: str, budget: int | None) -> list[str]:
            hits = queries.search_fts(db.conn, text, budget=budget)
            return [t.plex_key for t in library.get_tracks(db.conn, [tid for tid, _ in hits])]

        assert len(keys("calm dreamy warm", None)) == 7  # no budget: every match is ranked
        assert keys("warm calm dreamy", 5) == ["named"]  # "warm" is among the first two: its title
        assert keys("calm dreamy warm", 5) == []  # "warm" is the third common word: left out
        assert queries.NAMED_WORDS == 2
