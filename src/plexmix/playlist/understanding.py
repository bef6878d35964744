"""What the mood text says: filters and the words to search for, read against the library's own
names of genres, artists and moods (whole words, case and accents folded).

Exclusions ("no X", "without X"), several artists, eras counted from the library's newest year,
track lengths and moods named in full; "songs about love" stays a mood. The flags of a command
win over all of it (:func:`plexmix.playlist.filters.merge_filters`).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from plexmix.playlist.phrases import (
    CHAIN,
    WORD,
    Mention,
    Seed,
    artist_era,
    blank,
    fold,
    implied_moods,
    read_history,
    read_seeds,
)
from plexmix.playlist.years_lengths import read_lengths, read_years
from plexmix.storage.queries import TrackFilters

_RATED = re.compile(
    r"\b(highly|top|best)[ -]rated\b|\bfavou?rites?\b|\bfive[ -]stars?\b|\b5[ -]stars?\b", re.I
)
_STARS = re.compile(r"\b([1-5])[ -]stars?\b", re.I)

# An exclusion cue right before a name ("no", "without", "nothing by", ...), and the words that
# chain more names onto it ("no rock or metal", "without Queen, Toto and Yes").
_EXCLUDE_CUE = re.compile(
    r"(?<!\w)(?:(?:but|and)\s+)?(?:no|without|except|excluding|not|nothing(?:\s+(?:by|from))?|anything\s+(?:but|except)"
    r"|none\s+(?:by|from)|minus)\s+(?:(?:any|more|songs|tracks|music)\s+)?(?:(?:by|from)\s+)?$"
)
_TOPIC = re.compile(r"(?<!\w)about\s+(?:(?:the|a|my|your|our)\s+)?$")  # "songs about love": a topic
_ARTIST_CUE = r"(?:by|like|from|artist|early|late)"  # not "of": "the sound of rain"
_LIST_FILLER = frozenset({"songs", "song", "tracks", "music", "mix", "playlist", "only", "just", "some",
                          "hits", "best", "of", "the", "greatest", "from", "by", "and", "or"})


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the index of the character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        folded = fold(char)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


_WORD_CHAR = re.compile(r"\w")


def _phrase_spans(text: str, longest: int) -> list[tuple[int, int]]:
    """Every (start, end) of ``text`` with no word character just before or after it."""
    word = [_WORD_CHAR.match(c) is not None for c in text]
    size = len(text)
    starts = [i for i in range(size) if i == 0 or not word[i - 1]]
    ends = [j for j in range(1, size + 1) if j == size or not word[j]]
    return [(i, j) for i in starts for j in ends if i < j <= i + longest]


def mood_phrases(text: str, longest: int = 200) -> set[str]:
    """Every stretch of ``text`` (lower-cased, at most ``longest`` characters) with no word
    character just before or after it: what a whole-word, case-insensitive search could match.

    One set per mood instead of one regex per genre and artist name keeps this fast for
    libraries with tens of thousands of artists.
    """
    return {text[i:j].lower() for i, j in _phrase_spans(text, longest)}


_LONGEST_NAME = 200  # longer names (none in practice) are not looked for


@dataclass
class Understood:
    """What the mood text says: the filters, the text left for keyword and vector search
    (exclusions, durations and "nothing before YEAR" taken out), the seeds the playlist should
    sound like, and a ranking wish ("most played": ``"plays"``)."""

    filters: TrackFilters
    search_text: str
    seeds: list[Seed] = field(default_factory=list)
    rank_by: str | None = None
    implied_moods: list[str] = field(default_factory=list)  # the library's moods an intent implies
    # Plex styles named ("reggaeton"): preferred in the ranking, not required, because many tracks
    # carry no style and a word like "dance" or "hip hop" may be a style of a few albums only.
    prefer_styles: list[str] = field(default_factory=list)
    artist_era: tuple[str, str] | None = None  # ("early" | "late", artist): "early Queen"


@dataclass
class Vocabulary:
    """The library's own names (and newest year) that a mood is read against."""

    genres: Iterable[str] = ()
    artists: Iterable[str] = ()  # may be only those the mood could name (queries.artists_named)
    moods: Iterable[str] = ()
    newest_year: int | None = None  # "this year"; None: the clock's
    styles: Iterable[str] = ()  # Plex styles: sub-genres such as "Reggaeton" or "Hard Rock"


def understand_mood(mood: str, vocabulary: Vocabulary, now: _dt.date | None = None) -> Understood:
    """Read years, ratings, durations, genres, moods and artists (wanted or excluded) of this
    library from the mood text: whole words, case- and accent-insensitive."""
    genres, moods, styles = list(vocabulary.genres), list(vocabulary.moods), list(vocabulary.styles)
    today = now or _dt.date.today()
    newest = vocabulary.newest_year if vocabulary.newest_year is not None else today.year
    found = TrackFilters()
    folded, where = _folded_with_map(mood)
    used: list[tuple[int, int]] = []  # spans taken out of the search text
    work = folded  # the folded text with the phrases already read blanked out
    rank_by: str | None = None
    for span, rank in read_history(work, today, found):
        work = blank(work, [span])
        used.append(span)
        rank_by = rank or rank_by
    for span, drop in read_years(work, newest, found):
        work = blank(work, [span])
        used += [span] if drop else []
    for span in read_lengths(work, {fold(n) for n in (*genres, *moods)}, found):
        work = blank(work, [span])
        used.append(span)
    if _RATED.search(work):
        found.rating_min = 8.0
    elif stars := _STARS.search(work):
        found.rating_min = float(stars.group(1)) * 2
    names = {"genre": genres, "style": styles, "mood": moods, "artist": vocabulary.artists}
    mentions = _mentions(work, names)
    for mention, cue_start in _excluded(work, mentions).items():
        used.append((cue_start, mention.end))
        _add(found, mention, exclude=True)
    work = blank(work, used)
    seeds, seed_spans = read_seeds(work, mood, where, [m for m in mentions if not _inside(m, used)])
    used += seed_spans
    work = blank(work, seed_spans)
    wanted = [m for m in mentions if not _inside(m, used) and not _TOPIC.search(work[: m.start])]
    clear = _clear_artists(work, wanted, folded)
    era = artist_era(work, [m for m in wanted if m in clear])
    if era:
        used.append(era[0])
    styles_wanted: list[str] = []
    for mention in wanted:
        _add(found, mention, exclude=False, artist=mention in clear, preferred=styles_wanted)
    for name in ("genres", "styles", "moods", "artists"):
        banned = {fold(n) for n in getattr(found, "exclude_" + name)}
        setattr(found, name, sorted(n for n in set(getattr(found, name)) if fold(n) not in banned))
        setattr(found, "exclude_" + name, sorted(set(getattr(found, "exclude_" + name))))
    implied = [] if found.moods else implied_moods(work, moods, found.exclude_moods)
    return Understood(
        found, _without_spans(mood, where, used), seeds=seeds, rank_by=rank_by, implied_moods=implied,
        artist_era=era[1] if era else None,
        prefer_styles=sorted(set(styles_wanted) - {s for s in found.exclude_styles}),
    )


def _inside(mention: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(mention.start < end and start < mention.end for start, end in spans)


def _mentions(text: str, vocabulary: dict[str, Iterable[str]]) -> list[Mention]:
    """Every library name (of at least 3 characters) that ``text`` (folded) contains as whole
    words; a plural "s" is allowed after genre and mood names ("ballads")."""
    lookup: dict[str, dict[str, list[str]]] = {}
    for kind, names in vocabulary.items():
        for name in names:
            if 3 <= len(name) <= _LONGEST_NAME:
                lookup.setdefault(fold(name), {}).setdefault(kind, []).append(name)
    found: list[Mention] = []
    for start, end in _phrase_spans(text, _LONGEST_NAME):
        phrase = text[start:end]
        kinds = dict(lookup.get(phrase, {}))
        if phrase.endswith("s"):
            singular = lookup.get(phrase[:-1], {})
            for kind in ("genre", "style", "mood"):
                if kind in singular and kind not in kinds:
                    kinds[kind] = singular[kind]
        if kinds:
            found.append(Mention(start, end, kinds))
    return found


def _excluded(text: str, mentions: list[Mention]) -> dict[Mention, int]:
    """The mentions an exclusion cue applies to, each with where its cue starts."""
    result: dict[Mention, int] = {}
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if any(m.start <= mention.start and mention.end <= m.end for m in result):
            continue  # inside a longer excluded name ("no punk rock": not "rock")
        if cue := _EXCLUDE_CUE.search(text[: mention.start]):
            result[mention] = cue.start()
            continue
        for earlier in result:
            if CHAIN.fullmatch(text[earlier.end : mention.start]) and (
                not _COMMA.fullmatch(text[earlier.end : mention.start]) or _listed_on(text, mention, mentions)
            ):
                result[mention] = earlier.end
                break
    return result


_COMMA = re.compile(r"\s*,\s*")


def _listed_on(text: str, mention: Mention, mentions: list[Mention]) -> bool:
    """A name after a bare comma continues a list only if the list goes on ("no Queen, Toto and
    Yes"): in "no country, rock please" the comma ends the exclusion."""
    return any(
        m.start >= mention.end and CHAIN.fullmatch(text[mention.end : m.start]) for m in mentions
    )


def _clear_artists(text: str, mentions: list[Mention], folded: str) -> set[Mention]:
    """The artist mentions meant as artists: see :func:`_clearly_an_artist`; a name with an era
    after it ("Queen in the 80s"); names chained to one ("by Queen and Toto") or a list of names
    that is all the text says ("Nirvana and Metallica")."""
    named = [m for m in mentions if "artist" in m.kinds]
    clear = {
        m for m in named
        if any(_clearly_an_artist(text, n) for n in m.kinds["artist"]) or _ERA_AFTER.match(folded, m.end)
    }
    chained = [
        (a, b) for a in named for b in named if a.end <= b.start and CHAIN.fullmatch(text[a.end : b.start])
    ]
    changed = True
    while changed:
        changed = False
        for a, b in chained:
            if (a in clear) != (b in clear):
                clear.update((a, b))
                changed = True
    linked = {m for pair in chained for m in pair}
    rest = WORD.findall(blank(text, [(m.start, m.end) for m in linked]))
    if linked and all(w in _LIST_FILLER for w in rest):
        clear |= linked
    return clear


# "Queen in the 80s", "Queen songs from the 70s", "Nirvana hits from 1991"
_ERA_AFTER = re.compile(
    r"\s+(?:(?:songs?|tracks?|music|hits|albums?)\s+)?(?:in|from)\s+(?:the\s+)?(?:'?\d{2}'?s|\d{3}0'?s|\d{4})\b"
)


def _add(
    found: TrackFilters, mention: Mention, *, exclude: bool, artist: bool = True,
    preferred: list[str] | None = None,
) -> None:
    """A genre, style or mood name counts as that (a genre before a style of the same name); an
    artist name only when nothing else or clearly meant."""
    kinds = mention.kinds
    prefix = "exclude_" if exclude else ""
    preferred = [] if preferred is None else preferred
    if "genre" in kinds:
        getattr(found, prefix + "genres").extend(kinds["genre"])
    elif "style" in kinds and exclude:  # a sub-genre the library knows only as a Plex style
        found.exclude_styles.extend(kinds["style"])
    elif "style" in kinds:  # wanted: preferred, not required (styles are sparse: see Understood)
        preferred.extend(kinds["style"])
    if "mood" in kinds and (exclude or "genre" not in kinds):
        getattr(found, prefix + "moods").extend(kinds["mood"])
    if "artist" in kinds and artist and (not exclude or len(kinds) == 1):
        getattr(found, prefix + "artists").extend(kinds["artist"])


def _without_spans(mood: str, where: list[int], spans: list[tuple[int, int]]) -> str:
    """``mood`` with the given spans of its folded text removed (single-spaced)."""
    if not spans:
        return mood.strip()
    drop = {where[k] for start, end in spans for k in range(start, end)}
    kept = "".join(c for i, c in enumerate(mood) if i not in drop)
    text = " ".join(kept.replace(" ,", ",").split()).strip(" ,;")
    return text or "music"


def filters_from_mood(
    mood: str,
    genres: Iterable[str] = (),
    artists: Iterable[str] = (),
    now: _dt.date | None = None,
    *,
    moods: Iterable[str] = (),
    newest_year: int | None = None,
) -> TrackFilters:
    """What the mood text says about years, ratings, durations, genres, moods and artists."""
    return understand_mood(mood, Vocabulary(genres, artists, moods, newest_year), now).filters


def _clearly_an_artist(text: str, name: str) -> bool:
    """A one-word artist name ("Focus", "Queen", "Rain") is also an ordinary word: take it as an
    artist when it is the whole mood ("Queen") or a cue precedes it ("hits by Queen", "like
    Queen"), so "focus while studying" stays a mood. Longer names ("Miles Davis") stand alone; a
    leading "The" does not make a name longer."""
    words = name.split()
    if words and words[0].lower() == "the":
        words = words[1:]
    if len(words) >= 2:
        return True
    target = fold(name)
    if text.strip(" .,!?") == target:
        return True
    return re.search(rf"\b{_ARTIST_CUE}\s+{re.escape(target)}(?!\w)", text) is not None
