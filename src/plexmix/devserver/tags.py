"""Turn CSV genres and Spotify audio features into Plex-style Genre / Style / Mood tags.

A real Plex server carries genre, style and mood tags from its metadata agents (AllMusic-like
vocabulary: "Melancholy", "Energetic", "Brooding" ...). The emulator derives such tags from the
data sets' genres and audio features so that a demo library looks like a real one; PlexMix
itself only ever sees the tags.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Spellings that title-casing gets wrong.
_SPECIAL = {
    "edm": "EDM",
    "r&b": "R&B",
    "r-n-b": "R&B",
    "idm": "IDM",
    "mpb": "MPB",
    "j-pop": "J-Pop",
    "j-rock": "J-Rock",
    "j-dance": "J-Dance",
    "j-idol": "J-Idol",
    "k-pop": "K-Pop",
    "hip-hop": "Hip-Hop",
    "hip hop": "Hip Hop",
    "pop-film": "Pop Film",
    "rock-n-roll": "Rock & Roll",
    "drum-and-bass": "Drum and Bass",
    "world-music": "World Music",
    "show-tunes": "Show Tunes",
    "singer-songwriter": "Singer-Songwriter",
    "new-age": "New Age",
    "post-teen pop": "Post-Teen Pop",
}

# Fine genre of the 114-genre sample -> (album Genre, Style or None).
_FAMILY: dict[str, tuple[str, str | None]] = {
    "acoustic": ("Folk", "Acoustic"),
    "afrobeat": ("World", "Afrobeat"),
    "alt-rock": ("Rock", "Alternative Rock"),
    "alternative": ("Rock", "Alternative"),
    "ambient": ("Electronic", "Ambient"),
    "anime": ("Soundtrack", "Anime"),
    "black-metal": ("Metal", "Black Metal"),
    "bluegrass": ("Country", "Bluegrass"),
    "breakbeat": ("Electronic", "Breakbeat"),
    "british": ("Rock", "British Invasion"),
    "cantopop": ("Pop", "Cantopop"),
    "chicago-house": ("Electronic", "Chicago House"),
    "children": ("Children's", None),
    "chill": ("Electronic", "Chill-Out"),
    "classical": ("Classical", None),
    "club": ("Electronic", "Club/Dance"),
    "comedy": ("Comedy/Spoken", None),
    "dance": ("Electronic", "Dance"),
    "dancehall": ("Reggae", "Dancehall"),
    "death-metal": ("Metal", "Death Metal"),
    "deep-house": ("Electronic", "Deep House"),
    "detroit-techno": ("Electronic", "Detroit Techno"),
    "disney": ("Soundtrack", "Disney"),
    "dub": ("Reggae", "Dub"),
    "dubstep": ("Electronic", "Dubstep"),
    "edm": ("Electronic", "EDM"),
    "electro": ("Electronic", "Electro"),
    "emo": ("Rock", "Emo"),
    "forro": ("Latin", "Forró"),
    "french": ("Pop", "French Pop"),
    "garage": ("Electronic", "UK Garage"),
    "german": ("Pop", "German Pop"),
    "goth": ("Rock", "Goth Rock"),
    "grindcore": ("Metal", "Grindcore"),
    "groove": ("R&B", "Groove"),
    "grunge": ("Rock", "Grunge"),
    "guitar": ("Folk", "Guitar"),
    "happy": ("Pop", None),
    "hard-rock": ("Rock", "Hard Rock"),
    "hardcore": ("Rock", "Hardcore Punk"),
    "hardstyle": ("Electronic", "Hardstyle"),
    "heavy-metal": ("Metal", "Heavy Metal"),
    "honky-tonk": ("Country", "Honky Tonk"),
    "house": ("Electronic", "House"),
    "idm": ("Electronic", "IDM"),
    "indian": ("International", "Indian"),
    "indie": ("Rock", "Indie Rock"),
    "indie-pop": ("Pop", "Indie Pop"),
    "industrial": ("Electronic", "Industrial"),
    "iranian": ("International", "Iranian"),
    "j-dance": ("Pop", "J-Dance"),
    "j-idol": ("Pop", "J-Idol"),
    "j-pop": ("Pop", "J-Pop"),
    "j-rock": ("Rock", "J-Rock"),
    "k-pop": ("Pop", "K-Pop"),
    "kids": ("Children's", None),
    "latino": ("Latin", "Latin Pop"),
    "malay": ("International", "Malay"),
    "mandopop": ("Pop", "Mandopop"),
    "metalcore": ("Metal", "Metalcore"),
    "minimal-techno": ("Electronic", "Minimal Techno"),
    "mpb": ("Latin", "MPB"),
    "new-age": ("New Age", None),
    "opera": ("Classical", "Opera"),
    "pagode": ("Latin", "Pagode"),
    "party": ("Electronic", "Dance"),
    "piano": ("Classical", "Piano"),
    "pop-film": ("Soundtrack", "Pop Film"),
    "power-pop": ("Rock", "Power Pop"),
    "progressive-house": ("Electronic", "Progressive House"),
    "psych-rock": ("Rock", "Psychedelic Rock"),
    "punk-rock": ("Rock", "Punk Rock"),
    "punk": ("Rock", "Punk"),
    "r-n-b": ("R&B", None),
    "rock-n-roll": ("Rock", "Rock & Roll"),
    "rockabilly": ("Rock", "Rockabilly"),
    "romance": ("Pop", "Romance"),
    "sad": ("Pop", None),
    "salsa": ("Latin", "Salsa"),
    "samba": ("Latin", "Samba"),
    "sertanejo": ("Latin", "Sertanejo"),
    "show-tunes": ("Stage & Screen", "Show Tunes"),
    "singer-songwriter": ("Folk", "Singer-Songwriter"),
    "ska": ("Reggae", "Ska"),
    "sleep": ("New Age", "Sleep"),
    "songwriter": ("Folk", "Singer-Songwriter"),
    "soul": ("R&B", "Soul"),
    "spanish": ("Latin", "Spanish Pop"),
    "study": ("Easy Listening", "Study"),
    "swedish": ("Pop", "Swedish Pop"),
    "synth-pop": ("Pop", "Synth-Pop"),
    "tango": ("Latin", "Tango"),
    "techno": ("Electronic", "Techno"),
    "trance": ("Electronic", "Trance"),
    "trip-hop": ("Electronic", "Trip-Hop"),
    "turkish": ("International", "Turkish"),
    "world-music": ("World", None),
}

# (mood, test over the mean features) — a small AllMusic-like vocabulary.
Features = Mapping[str, float]
FEATURES = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "speechiness")
_NEUTRAL = (0.5, 0.5, 0.5, 0.5, 0.0, 0.0)
MOODS = (
    "Melancholy", "Sad", "Brooding", "Energetic", "Aggressive", "Intense", "Mellow",
    "Calm/Peaceful", "Reflective", "Party/Celebratory", "Rowdy", "Cheerful", "Playful",
    "Atmospheric", "Dreamy", "Confident", "Romantic",
)


def _mood_flags(v: float, e: float, d: float, a: float, i: float, s: float) -> tuple[bool, ...]:
    """One flag per entry of MOODS (valence, energy, danceability, acousticness, ...)."""
    return (
        v < 0.3,
        v < 0.25 and e < 0.45,
        v < 0.35 and e >= 0.5,
        e > 0.8,
        e > 0.85 and v < 0.4,
        e > 0.9,
        a > 0.7,
        e < 0.3,
        a > 0.5 and 0.3 <= v <= 0.55,
        d > 0.75,
        d > 0.7 and e > 0.75,
        v > 0.7,
        v > 0.8 and d > 0.6,
        i > 0.6,
        i > 0.5 and e < 0.4,
        s > 0.3,
        0.4 <= v <= 0.7 and e < 0.5 and a > 0.4,
    )


def pretty(tag: str) -> str:
    """``"southern hip hop"`` -> ``"Southern Hip Hop"``; known acronyms kept."""
    key = tag.strip().lower()
    if key in _SPECIAL:
        return _SPECIAL[key]
    words = key.replace("-", " ").split()
    return " ".join(w if w in {"&", "and"} else w[:1].upper() + w[1:] for w in words)


def genre_and_style(genre: str, subgenre: str | None) -> tuple[str, str | None]:
    """Album Genre and Style for a CSV row.

    With a subgenre (TidyTuesday) the genre is the CSV genre and the style the subgenre; the
    fine genres of the 114-genre sample are grouped under a broader genre.
    """
    g = genre.strip().lower()
    if subgenre:
        return pretty(g), pretty(subgenre)
    if g in _FAMILY:
        return _FAMILY[g]
    return pretty(g), None


def moods_for(features: Features) -> list[str]:
    """Mood tags for a set of (mean) audio features; missing features count as neutral."""
    values = [features.get(name, default) for name, default in zip(FEATURES, _NEUTRAL, strict=True)]
    flags = _mood_flags(*values)
    return [mood for mood, flag in zip(MOODS, flags, strict=True) if flag]


def mean_features(rows: Sequence[Features]) -> dict[str, float]:
    if not rows:
        return {}
    return {name: sum(float(r.get(name, 0.0)) for r in rows) / len(rows) for name in FEATURES}
