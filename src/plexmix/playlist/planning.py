"""The LLM planning call, checked against the library: the model's structured query becomes
``TrackFilters`` naming only what the library has, plus seeds, a ranking wish and a description
for the similarity search; then merged with what the rules read (:func:`merge_planned`).

Pure functions apart from the one call (``curator.plan``) and the ``find_artists`` look-up.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields

from plexmix.playlist.understanding import Seed
from plexmix.providers.ai import Curator, PlanVocabulary, PromptEstimate
from plexmix.storage.queries import TrackFilters, unaccent

__all__ = ["PlanOutcome", "PlanVocabulary", "merge_planned", "plan_query", "read_plan"]

FindArtists = Callable[[list[str]], list[str]]

_MAX_NAMES = 20  # of each kind; more is not a plan
_MAX_SEEDS = 5
_MAX_DESCRIPTION_CHARS = 300
_YEAR_FLOOR = 1000
_MAX_MINUTES = 180.0
_TAG_KINDS = ("genres", "styles", "moods")
# A wanted list and the exclusion list of the same kind.
_PAIRS = (("genres", "exclude_genres"), ("styles", "exclude_styles"),
          ("moods", "exclude_moods"), ("artists", "exclude_artists"))
# Both ends of a range count as one field when merging.
_RANGES = (("year_min", "year_max"), ("duration_min_ms", "duration_max_ms"),
           ("play_count_min", "play_count_max"))


@dataclass
class PlanOutcome:
    """The planner's query, checked: ``filters`` name only what the library has; ``dropped``
    lists the names it lacks; ``note`` says in one sentence what went wrong, if anything."""

    filters: TrackFilters = field(default_factory=TrackFilters)
    seeds: list[Seed] = field(default_factory=list)
    rank_by: str | None = None  # "plays": most played first
    search_text: str | None = None  # the planner's description of the sound
    dropped: list[str] = field(default_factory=list)
    note: str | None = None
    estimate: PromptEstimate = field(default_factory=lambda: PromptEstimate(0, 0, 0, 0.0))
    usage: dict | None = None


def fold(name: str) -> str:
    """How names are compared: lower case, no accents, hyphens as spaces, single spaces."""
    return " ".join(unaccent(name).replace("-", " ").split())


def plan_query(
    curator: Curator, mood: str, vocabulary: PlanVocabulary, find_artists: FindArtists
) -> PlanOutcome:
    """Make the planning call and check its answer (see :func:`read_plan`).

    ``vocabulary``: all of the library's genres, styles and moods, most common first (the prompt
    shows the first 150 of each). ``find_artists(names)`` returns the library's spelling of the
    artists among ``names`` (an empty list when it has none of them). A failed call gives empty
    filters and a note; the rules then apply alone. A rejected key or unknown model raises
    :class:`~plexmix.errors.AIProviderError`, as ``select`` does.
    """
    estimate = curator.estimate_plan(mood, vocabulary)
    result = curator.plan(mood, vocabulary)
    if result.plan is None:
        note = None
        if result.reason:
            note = f"{result.reason.rstrip('.')}; the mood was read by the rules alone."
        return PlanOutcome(note=note, estimate=estimate, usage=result.usage)
    outcome = read_plan(result.plan, vocabulary, find_artists)
    outcome.estimate, outcome.usage = estimate, result.usage
    return outcome


def read_plan(plan: dict, vocabulary: PlanVocabulary, find_artists: FindArtists) -> PlanOutcome:
    """The planner's JSON object as checked filters, seeds and ranking. Unknown names are
    dropped and reported; numbers out of range, of the wrong type or contradictory are ignored."""
    dropped: list[str] = []
    found = TrackFilters()
    spelling = {kind: _spellings(getattr(vocabulary, kind)) for kind in _TAG_KINDS}
    for kind in _TAG_KINDS:
        for name in (kind, f"exclude_{kind}"):
            setattr(found, name, _known(_names(plan.get(name)), spelling[kind], dropped))
    found.artists = _artists(_names(plan.get("artists")), find_artists, dropped)
    found.exclude_artists = _artists(_names(plan.get("exclude_artists")), find_artists, dropped)
    for wanted, excluded in _PAIRS:  # the planner both wants and excludes a name: neither
        clash = {fold(n) for n in getattr(found, wanted)} & {fold(n) for n in getattr(found, excluded)}
        for name in (wanted, excluded):
            setattr(found, name, [n for n in getattr(found, name) if fold(n) not in clash])
    found.year_min, found.year_max = _years(plan, vocabulary.newest_year)
    found.duration_min_ms, found.duration_max_ms = _durations(plan)
    stars = _number(plan.get("min_rating"))
    if stars is not None and 1 <= stars <= 5:
        found.rating_min = float(stars) * 2  # Plex rates 0-10
    never, most = plan.get("never_played") is True, plan.get("most_played") is True
    rank_by = None
    if never and not most:
        found.play_count_max = 0
    elif most and not never:
        found.play_count_min, rank_by = 1, "plays"
    seeds = _seeds(plan.get("seeds"), find_artists, dropped)
    search_text = (_text(plan.get("description")) or "")[:_MAX_DESCRIPTION_CHARS]
    note = None
    if dropped:
        note = f"The planner named {', '.join(dropped)} that the library lacks; they were ignored."
    return PlanOutcome(found, seeds, rank_by, search_text or None, dropped, note)


def merge_planned(rules: TrackFilters, planned: TrackFilters) -> TrackFilters:
    """The rules' filters, with the planner's where the rules read nothing: field by field (a
    range's two ends count as one field), exclusions united. A name the planner wants that the
    rules exclude is dropped, and so is a planner's exclusion of a name the rules want."""
    merged = copy.deepcopy(rules)
    paired = {name for pair in (*_PAIRS, *_RANGES) for name in pair}
    for wanted, excluded in _PAIRS:
        rule_wanted, rule_excluded = getattr(rules, wanted), getattr(rules, excluded)
        keep_out = {fold(n) for n in rule_wanted}
        extra = [n for n in getattr(planned, excluded) if fold(n) not in keep_out]
        union = _unique([*rule_excluded, *extra])
        setattr(merged, excluded, union)
        if not rule_wanted:
            banned = {fold(n) for n in union}
            setattr(merged, wanted, [n for n in getattr(planned, wanted) if fold(n) not in banned])
    for low, high in _RANGES:
        if getattr(rules, low) is None and getattr(rules, high) is None:
            setattr(merged, low, getattr(planned, low))
            setattr(merged, high, getattr(planned, high))
    for item in fields(TrackFilters):  # every other field (rating, history, future ones)
        if item.name not in paired and _unset(getattr(rules, item.name)):
            setattr(merged, item.name, getattr(planned, item.name))
    return merged


# ----------------------------------------------------------------------------- checking
def _unset(value: object) -> bool:
    return value is None or value == []


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(fold(name), name)
    return list(seen.values())


def _names(value: object) -> list[str]:
    """Non-empty strings of a list (or a lone string), de-duplicated, at most ``_MAX_NAMES``."""
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    names = [" ".join(v.split()) for v in items if isinstance(v, str) and v.strip()]
    return _unique(names)[:_MAX_NAMES]


def _spellings(names: Sequence[str]) -> dict[str, str]:
    """Folded name -> the library's spelling (the first, i.e. most common, wins)."""
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(fold(name), name)
    return out


def _known(names: list[str], spelling: dict[str, str], dropped: list[str]) -> list[str]:
    """The library's spelling of each name it has ("Ballads" finds "ballad"); others dropped."""
    out = []
    for name in names:
        key = fold(name)
        match = spelling.get(key) or (spelling.get(key[:-1]) if key.endswith("s") else None)
        if match is None:
            dropped.append(name)
        elif match not in out:
            out.append(match)
    return out


def _artist(name: str, find_artists: FindArtists) -> str | None:
    """The library's spelling of ``name``: the look-up's answer with the same folded name, else
    its only answer (a look-up that finds one closer name); several others are no answer."""
    found = find_artists([name])
    same = [a for a in found if fold(a) == fold(name)]
    return same[0] if same else found[0] if len(found) == 1 else None


def _artists(names: list[str], find_artists: FindArtists, dropped: list[str]) -> list[str]:
    out = []
    for name in names:
        match = _artist(name, find_artists)
        if match is None:
            dropped.append(name)
        elif match not in out:
            out.append(match)
    return out


def _seeds(value: object, find_artists: FindArtists, dropped: list[str]) -> list[Seed]:
    """Seeds with a title or a library artist; an unknown artist of a titled seed is kept as
    given (the title is looked up later), an artist-only seed the library lacks is dropped."""
    seeds: list[Seed] = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        title, artist = (_text(entry.get(key)) for key in ("title", "artist"))
        known = _artist(artist, find_artists) if artist else None
        if title:
            seed = Seed(title=title, artist=known or artist)
        elif known:
            seed = Seed(artist=known)
        else:
            if artist:
                dropped.append(artist)
            continue
        if seed not in seeds:
            seeds.append(seed)
    return seeds[:_MAX_SEEDS]


def _text(value: object) -> str | None:
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _number(value: object) -> float | None:
    """A finite number (ints, floats and numeric strings), None for 0 ("not asked") and junk."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (int, float)) and value == value and abs(value) != float("inf") and value:
        return float(value)
    return None


def _years(plan: dict, newest: int | None) -> tuple[int | None, int | None]:
    ceiling = (newest if newest is not None else 2100) + 1
    years = []
    for key in ("year_min", "year_max"):
        value = _number(plan.get(key))
        ok = value is not None and value.is_integer() and _YEAR_FLOOR <= value <= ceiling
        years.append(int(value) if ok and value is not None else None)
    low, high = years
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


def _durations(plan: dict) -> tuple[int | None, int | None]:
    bounds = []
    for key in ("min_minutes", "max_minutes"):
        value = _number(plan.get(key))
        ok = value is not None and 0 < value <= _MAX_MINUTES
        bounds.append(round(value * 60_000) if ok and value is not None else None)
    low, high = bounds
    if low is not None and high is not None and low > high:
        return None, None  # contradictory: trust neither
    return low, high
