"""The phrases of a mood beyond names and numbers: the seeds to sound like ("songs like TITLE by
ARTIST", "more like ARTIST"), listening history ("never played", "most played", "not played in a
year"), artist eras ("early Queen") and the moods a purpose implies ("to fall asleep", "for a
workout"). Read by :func:`plexmix.playlist.understanding.understand_mood` on the folded text.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from plexmix.storage.queries import TrackFilters, unaccent

fold = unaccent  # names in the mood are compared lower-case and without accents
CHAIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+|nor\s+)?|\s(?:and|or|nor)\s|\s*[+&/]\s*)$")  # joins names
WORD = re.compile(r"\w+")


def blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the given spans replaced by spaces (positions stay where they were)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


@dataclass(eq=False)
class Mention:
    start: int
    end: int
    kinds: dict[str, list[str]]  # "genre" / "mood" / "artist" -> the library's names


@dataclass(frozen=True)
class Seed:
    """A song or an artist the playlist should sound like: "songs like TITLE by ARTIST" (title and
    artist), "songs like TITLE" (title), "more like ARTIST" / "sounds like ARTIST" (artist)."""

    title: str | None = None
    artist: str | None = None


# -- listening history -------------------------------------------------------------------------
_PERIOD = r"(?:(?:a|an|one|(\d+))\s+)?(day|week|month|year|while|ages|decade)s?"
_PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365, "decade": 3650, "while": 180, "ages": 365}
# Each phrase: (pattern, what it sets). Tried in order on the folded text; each match is used up.
_NOT_PLAYED_FOR = re.compile(
    r"\b(?:(?:not|never|haven'?t\s+(?:been\s+)?|have\s+not\s+(?:been\s+)?|hasn'?t\s+been|unplayed|un-?heard)"
    r"\s*(?:played|heard|listened\s+to)?|i\s+haven'?t\s+(?:played|heard)|forgotten(?:\s+about)?)"
    r"\s+(?:in|for|since)\s+(?:the\s+(?:last|past)\s+)?" + _PERIOD + r"\b"
)
_NEVER_PLAYED = re.compile(
    r"\b(?:never|not\s+yet|haven'?t\s+(?:ever\s+)?(?:been\s+)?|have\s+not\s+(?:been\s+)?|i\s+haven'?t)"
    r"\s*(?:played|heard|listened\s+to)(?:\s+(?:yet|before|ever))?\b"
    r"|\bunplayed\b|\bunheard\b|\bnever[- ]played\b"
)
_MOST_PLAYED = re.compile(
    r"\b(?:most|top|often|frequently|heavily)[- ](?:played|listened(?:[- ]to)?|streamed)\b"
    r"|\b(?:heavy|high)\s+rotation\b|\bon\s+repeat\b|\bplay(?:ed)?\s+the\s+most\b"
)
_FORGOTTEN = re.compile(r"\bforgotten\b|\b(?:have|haven'?t)\s+(?:heard|played)\s+in\s+ages\b")
FORGOTTEN_DAYS = 180  # "forgotten favourites": played before, not in the last half year


def read_history(
    text: str, today: _dt.date, found: TrackFilters
) -> list[tuple[tuple[int, int], str | None]]:
    """Set what ``text`` says about plays: "not played in a year", "never played", "most played",
    "forgotten". The spans read, each with a ranking wish ("plays") or None."""
    midnight = int(_dt.datetime.combine(today, _dt.time()).timestamp())
    spans: list[tuple[tuple[int, int], str | None]] = []
    if m := _NOT_PLAYED_FOR.search(text):
        count = int(m.group(1)) if m.group(1) else 1
        found.exclude_played_since = midnight - count * _PERIOD_DAYS[m.group(2)] * 86400
        spans.append((m.span(), None))
    elif m := _NEVER_PLAYED.search(text):
        found.play_count_max = 0
        spans.append((m.span(), None))
    elif m := _FORGOTTEN.search(text):
        found.play_count_min = 1
        found.exclude_played_since = midnight - FORGOTTEN_DAYS * 86400
        spans.append((m.span(), None))
    if found.play_count_max is None and (m := _MOST_PLAYED.search(text)):
        found.play_count_min = 1
        spans.append((m.span(), "plays"))
    return spans


# -- seeds: "songs like TITLE by ARTIST", "more like ARTIST", "sounds like ARTIST" ---------------
_LIKE = (
    r"(?:(?<!\bi\s)(?<!\bwe\s)(?<!\byou\s)(?<!\bthey\s)like"
    r"|similar\s+to|in\s+the\s+(?:style|vein)\s+of|reminiscent\s+of)"
)
_SEED_ARTIST_CUE = re.compile(
    rf"(?<!\w)(?:(?:songs?|tracks?|music|something|stuff|anything|more|sounds?|sounding|artists?|bands?)\s+)?"
    rf"{_LIKE}\s+(?:(?:the\s+)?(?:songs?|music|sound)\s+(?:of|by)\s+)?$"
)
_TITLE_BY = re.compile(rf"(?<!\w){_LIKE}\s+(['\"“‘]?)(\S.{{0,150}}?)\1\s+by\s+$")
# "songs like Bohemian Rhapsody": a title only after a song word, written as a title (quoted or
# capitalised in the original text), up to a comma or a word that starts another constraint.
_TITLE_ONLY = re.compile(
    rf"(?<!\w)(?:songs?|tracks?|something|stuff|music|more)\s+{_LIKE}\s+(['\"“‘]?)(\S.{{0,150}}?)\1"
    r"(?=\s*(?:[,;.!?]|$|\s(?:but|without|except|from|in\s+the|since|before|after|under|over|and\s+not)\b))"
)


def read_seeds(
    text: str, mood: str, where: list[int], mentions: list[Mention]
) -> tuple[list[Seed], list[tuple[int, int]]]:
    """The seeds ``text`` (folded, exclusions blanked) names, and the spans they used."""
    seeds: list[Seed] = []
    spans: list[tuple[int, int]] = []
    artists = sorted((m for m in mentions if "artist" in m.kinds), key=lambda m: m.start)
    for mention in artists:
        if any(start <= mention.start < end for start, end in spans):
            continue
        before = text[: mention.start]
        name = mention.kinds["artist"][0]
        titled = _TITLE_BY.search(before)
        if titled and not titled.group(2).strip().startswith(("songs", "music")):
            seeds.append(Seed(title=_original(mood, where, titled.span(2)), artist=name))
            spans.append((titled.start(), mention.end))
        elif (cue := _SEED_ARTIST_CUE.search(before)) and not _TITLE_GOES_ON.match(text, mention.end):
            seeds.append(Seed(artist=name))
            spans.append((cue.start(), mention.end))
        elif spans and spans[-1][1] <= mention.start and CHAIN.fullmatch(text[spans[-1][1] : mention.start]):
            seeds.append(Seed(artist=name))  # "like Queen, Toto or AC/DC"
            spans.append((spans[-1][1], mention.end))
    if not seeds and (titled := _TITLE_ONLY.search(text)):
        title = _original(mood, where, titled.span(2))
        if titled.group(1) or title[:1].isupper():
            seeds.append(Seed(title=title))
            spans.append(titled.span())
    return seeds, spans


# Words after a name that show it begins a title ("like Heart of Glass", not "like Heart"): any word
# but those that start another constraint or end the request.
_TITLE_GOES_ON = re.compile(
    r"\s+(?!(?:but|without|except|excluding|from|in|since|before|after|under|over|and|or|nor|with|for|to"
    r"|songs?|tracks?|music|please|only|just|mix|playlist|vibes?|style)\b)\w"
)


def _original(mood: str, where: list[int], span: tuple[int, int]) -> str:
    """The original text behind a span of the folded text."""
    return mood[where[span[0]] : where[span[1] - 1] + 1].strip()


# "early Queen", "late Beatles": the first or last years of that artist's records
_ARTIST_ERA = re.compile(r"(?<!\w)(early|late|later|classic)\s+$")


def artist_era(text: str, artists: list[Mention]) -> tuple[tuple[int, int], tuple[str, str]] | None:
    for mention in artists:
        if m := _ARTIST_ERA.search(text[: mention.start]):
            part = "early" if m.group(1) in ("early", "classic") else "late"
            return m.span(), (part, mention.kinds["artist"][0])
    return None


# -- intents: what a purpose implies about Plex moods ------------------------------------------
# (words, the mood names or name parts it implies, folded). Only moods the library has count.
_INTENTS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\b(?:sleep\w*|asleep|bedtime|lullab\w+|naps?|insomnia|drift\w*\s+off)\b"),
     ("calm", "peaceful", "sleepy", "soothing", "dreamy", "gentle", "tender", "quiet")),
    (re.compile(r"\b(?:relax\w*|chill\w*|unwind\w*|wind(?:ing)?\s+down|laid[- ]back|lazy|meditat\w+|yoga|spa"
                r"|serene|tranquil|soothing)\b"),
     ("calm", "peaceful", "mellow", "laid-back", "relaxed", "soothing", "gentle", "sleepy")),
    (re.compile(r"\b(?:work\s*outs?|gym|running|runs?|jog\w*|cardio|lifting|training|hiit|crossfit|spin\s+class"
                r"|pump(?:ed)?\s+up|high[- ]energy|hype|adrenaline|beast\s+mode)\b"),
     ("energetic", "intense", "aggressive", "rowdy", "fiery", "rousing", "driving")),
    (re.compile(r"\b(?:sad\w*|heart\s*br\w+|cry\w*|tears|depress\w*|lonely|loneliness|grie\w+|break[- ]?ups?"
                r"|gloomy)\b"),
     ("melancholy", "sad", "gloomy", "brooding", "wistful", "bittersweet", "yearning")),
    (re.compile(r"\b(?:happy|upbeat|feel[- ]good|sunny|joy\w*|cheer\w*|good\s+vibes|summer)\b"),
     ("cheerful", "happy", "playful", "uplifting", "euphoric", "joyous")),
    (re.compile(r"\b(?:party|parties|celebrat\w+|dance\s*floor|clubbing|pre-?game)\b"),
     ("party", "celebratory", "energetic", "rowdy", "euphoric")),
    (re.compile(r"\b(?:romantic|romance|love\s+songs|date\s+night|candle\w*|valentine\w*|sensual)\b"),
     ("romantic", "sensual", "tender", "intimate", "passionate")),
    (re.compile(r"\b(?:angry|anger|rage|furious|mad\s+at)\b"),
     ("aggressive", "angry", "hostile", "fiery", "volatile")),
]


def implied_moods(text: str, moods: list[str], excluded: list[str]) -> list[str]:
    """The library's moods that ``text`` implies, minus excluded ones: those its purposes imply ("to
    fall asleep": Calm/Peaceful, Dreamy; "for a workout": Energetic, Intense) and those it names by
    a part of a Plex mood ("calm" of "Calm/Peaceful")."""
    words = set(WORD.findall(text))
    wanted: set[str] = set()
    for pattern, implies in _INTENTS:
        if pattern.search(text):
            wanted.update(implies)
    banned = {fold(m) for m in excluded}
    implied: set[str] = set()
    for mood in moods:
        parts = [part.strip() for part in fold(mood).split("/")]
        if fold(mood) not in banned and (
            any(part in wanted for part in parts) or (len(parts) > 1 and any(part in words for part in parts))
        ):
            implied.add(mood)
    return sorted(implied)
