"""The planner's answer checked against the library (read_plan), the call wrapped (plan_query)
and merged with the rule-based reading (merge_planned)."""

from __future__ import annotations

import json
from typing import ClassVar

from plexmix.playlist.planning import PlanOutcome, PlanVocabulary, merge_planned, plan_query, read_plan
from plexmix.playlist.understanding import Seed
from plexmix.providers.ai.base import Curator
from plexmix.providers.ai.none import NoneCurator
from plexmix.storage.queries import TrackFilters

VOCABULARY = PlanVocabulary(
    genres=["hip hop", "rock", "électronique", "ballad"],
    styles=["boom bap", "shoegaze"],
    moods=["melancholy", "calm/peaceful"],
    newest_year=2023,
)
LIBRARY_ARTISTS = ["Beyoncé", "The Notorious B.I.G.", "Sigur Rós", "Eminem"]
MIN = 60_000


def find_artists(names: list[str]) -> list[str]:
    """The library's spelling of the named artists (case- and accent-insensitive), like the
    storage look-up the generator passes."""
    from plexmix.playlist.planning import fold

    wanted = {fold(n) for n in names}
    return [a for a in LIBRARY_ARTISTS if fold(a) in wanted]


def plan(**fields: object) -> dict:
    """A planner answer: every field "not asked" except the given ones."""
    base: dict = {
        "genres": [], "styles": [], "moods": [], "artists": [], "exclude_artists": [],
        "exclude_genres": [], "exclude_moods": [], "exclude_styles": [], "year_min": 0,
        "year_max": 0, "min_minutes": 0, "max_minutes": 0, "min_rating": 0,
        "never_played": False, "most_played": False, "seeds": [], "description": "",
    }
    base.update(fields)
    return base


def read(**fields: object) -> PlanOutcome:
    return read_plan(plan(**fields), VOCABULARY, find_artists)


# ------------------------------------------------------------------------------- read_plan
def test_an_empty_plan_sets_nothing():
    outcome = read()
    assert outcome.filters == TrackFilters()
    assert outcome.seeds == [] and outcome.rank_by is None and outcome.search_text is None
    assert outcome.dropped == [] and outcome.note is None


def test_names_take_the_librarys_spelling_case_accents_and_plurals_folded():
    outcome = read(genres=["Hip-Hop", "HIP HOP", "Electronique", "Ballads", "hip hop soul"], styles=["Boom Bap"],
                   moods=["MELANCHOLY"], artists=["beyonce", "sigur ros"],
                   exclude_artists=["EMINEM"], exclude_moods=["Calm/Peaceful"])
    f = outcome.filters
    assert f.genres == ["hip hop", "électronique", "ballad"]
    assert outcome.dropped == ["hip hop soul"]
    assert f.styles == ["boom bap"] and f.moods == ["melancholy"]
    assert f.artists == ["Beyoncé", "Sigur Rós"]
    assert f.exclude_artists == ["Eminem"] and f.exclude_moods == ["calm/peaceful"]


def test_unknown_names_are_dropped_and_reported():
    outcome = read(genres=["rock", "polka"], styles=["vaporwave"], artists=["Nobody Known"],
                   exclude_genres=["zydeco"], seeds=[{"title": "", "artist": "Ghost Band"}])
    assert outcome.filters.genres == ["rock"]
    assert outcome.filters.styles == [] and outcome.filters.artists == []
    assert outcome.filters.exclude_genres == []
    assert outcome.seeds == []
    assert outcome.dropped == ["polka", "zydeco", "vaporwave", "Nobody Known", "Ghost Band"]
    assert outcome.note == (
        "The planner named polka, zydeco, vaporwave, Nobody Known, Ghost Band that the library "
        "lacks; they were ignored."
    )


def test_a_name_both_wanted_and_excluded_by_the_planner_is_neither():
    outcome = read(genres=["rock", "hip hop"], exclude_genres=["Rock"])
    assert outcome.filters.genres == ["hip hop"] and outcome.filters.exclude_genres == []


def test_years_durations_rating_and_history():
    outcome = read(year_min=1990, year_max=1999, min_minutes=2.5, max_minutes=4,
                   min_rating=4, most_played=True)
    f = outcome.filters
    assert (f.year_min, f.year_max) == (1990, 1999)
    assert (f.duration_min_ms, f.duration_max_ms) == (150_000, 240_000)
    assert f.rating_min == 8.0  # 4 stars on Plex's 0-10 scale
    assert f.play_count_min == 1 and f.play_count_max is None
    assert outcome.rank_by == "plays"
    never = read(never_played=True).filters
    assert never.play_count_max == 0 and never.play_count_min is None


def test_bad_numbers_are_ignored():
    f = read(year_min=99, year_max=3000, min_minutes=-2, max_minutes=600, min_rating=9,
             never_played="yes").filters
    assert f == TrackFilters()
    f = read(year_min="1985", year_max=1989.5, min_minutes=True, max_minutes=float("nan"),
             min_rating=None).filters
    assert (f.year_min, f.year_max) == (1985, None)
    assert f.duration_min_ms is None and f.duration_max_ms is None and f.rating_min is None


def test_contradictions_years_swapped_lengths_and_history_ignored():
    outcome = read(year_min=1999, year_max=1990, min_minutes=6, max_minutes=3,
                   never_played=True, most_played=True)
    f = outcome.filters
    assert (f.year_min, f.year_max) == (1990, 1999)
    assert f.duration_min_ms is None and f.duration_max_ms is None
    assert f.play_count_min is None and f.play_count_max is None and outcome.rank_by is None


def test_a_year_past_the_librarys_newest_is_ignored():
    assert read(year_min=2020, year_max=2030).filters.year_max is None
    assert read(year_min=2020, year_max=2024).filters.year_max == 2024  # next year's releases


def test_wrong_types_do_not_break_the_reading():
    outcome = read_plan({"genres": "rock", "moods": [3, None, "melancholy"], "seeds": "Juicy",
                         "artists": {"name": "Eminem"}, "description": 7}, VOCABULARY, find_artists)
    assert outcome.filters.genres == ["rock"] and outcome.filters.moods == ["melancholy"]
    assert outcome.filters.artists == [] and outcome.seeds == [] and outcome.search_text is None


def test_seeds_and_description():
    outcome = read(seeds=[{"title": "Juicy", "artist": "the notorious b.i.g."},
                          {"title": "Hoppípolla", "artist": "Unknown Act"},
                          {"title": "", "artist": "BEYONCE"}, {"title": "", "artist": ""},
                          {"title": "Juicy", "artist": "The Notorious B.I.G."}],
                   description="  laid-back   east coast boom bap ")
    assert outcome.seeds == [Seed("Juicy", "The Notorious B.I.G."), Seed("Hoppípolla", "Unknown Act"),
                             Seed(None, "Beyoncé")]
    assert outcome.search_text == "laid-back east coast boom bap"
    assert outcome.dropped == []


def test_an_artist_look_up_answering_with_other_names_is_no_match():
    everyone = lambda names: list(LIBRARY_ARTISTS)  # noqa: E731 - a look-up that gave up
    outcome = read_plan(plan(artists=["Queen", "sigur ros"]), VOCABULARY, everyone)
    assert outcome.filters.artists == ["Sigur Rós"] and outcome.dropped == ["Queen"]
    closer = read_plan(plan(artists=["Biggie"]), VOCABULARY, lambda names: ["The Notorious B.I.G."])
    assert closer.filters.artists == ["The Notorious B.I.G."]


# ------------------------------------------------------------------------------ plan_query
class ScriptedCurator(Curator):
    """A curator whose model answers from a script (no SDK)."""

    name: ClassVar[str] = "scripted"
    display_name: ClassVar[str] = "Scripted AI"
    default_model: ClassVar[str | None] = "gpt-4o-mini"
    needs_key: ClassVar[bool] = False

    def __init__(self, answers: list[object]) -> None:
        super().__init__(max_retries=1, retry_backoff=0.0)
        self.answers = answers
        self.users: list[str] = []

    def _call(self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024) -> str:
        self.users.append(user)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return str(answer)


def test_plan_query_checks_the_answer_and_counts_the_call():
    curator = ScriptedCurator([json.dumps(plan(genres=["Rock", "polka"], exclude_artists=["eminem"],
                                               description="loud guitars"))])
    outcome = plan_query(curator, "rock, no eminem", VOCABULARY, find_artists)

    assert "Request: rock, no eminem" in curator.users[0]
    assert outcome.filters.genres == ["rock"] and outcome.filters.exclude_artists == ["Eminem"]
    assert outcome.dropped == ["polka"] and outcome.note is not None and "polka" in outcome.note
    assert outcome.search_text == "loud guitars"
    assert outcome.usage is not None and outcome.usage["calls"] == 1
    assert outcome.estimate == curator.estimate_plan("rock, no eminem", VOCABULARY)
    assert outcome.estimate.prompt_tokens > 0


def test_plan_query_after_a_failed_call_leaves_the_rules_alone_and_says_why():
    curator = ScriptedCurator([ConnectionError("refused"), ConnectionError("refused")])
    outcome = plan_query(curator, "rock", VOCABULARY, find_artists)

    assert len(curator.users) == 2
    assert outcome.filters == TrackFilters() and outcome.seeds == []
    assert outcome.note is not None
    assert outcome.note.startswith("The planning call to Scripted AI failed (")
    assert outcome.note.endswith("after 2 attempts; the mood was read by the rules alone.")


def test_plan_query_with_provider_none_plans_nothing():
    outcome = plan_query(NoneCurator(), "rock", VOCABULARY, find_artists)
    assert outcome == PlanOutcome()


# ---------------------------------------------------------------------------- merge_planned
def test_what_the_rules_read_wins_field_by_field():
    rules = TrackFilters(genres=["rock"], year_min=1990, rating_min=6.0)
    planned = TrackFilters(genres=["hip hop"], moods=["melancholy"], year_min=1980, year_max=1989,
                           rating_min=8.0, duration_max_ms=4 * MIN, play_count_max=0)
    merged = merge_planned(rules, planned)
    assert merged.genres == ["rock"]
    assert merged.moods == ["melancholy"]  # the rules read no mood
    assert (merged.year_min, merged.year_max) == (1990, None)  # a range is one field
    assert merged.rating_min == 6.0
    assert merged.duration_max_ms == 4 * MIN and merged.play_count_max == 0
    assert rules == TrackFilters(genres=["rock"], year_min=1990, rating_min=6.0)  # not changed


def test_exclusions_are_united_and_beat_the_planners_wishes():
    rules = TrackFilters(exclude_artists=["Eminem"], exclude_genres=["rock"])
    planned = TrackFilters(artists=["eminem", "Beyoncé"], exclude_artists=["Sigur Rós", "EMINEM"],
                           genres=["Rock", "hip hop"], exclude_moods=["melancholy"])
    merged = merge_planned(rules, planned)
    assert merged.exclude_artists == ["Eminem", "Sigur Rós"]
    assert merged.artists == ["Beyoncé"]
    assert merged.genres == ["hip hop"] and merged.exclude_genres == ["rock"]
    assert merged.exclude_moods == ["melancholy"]


def test_a_planners_exclusion_of_what_the_rules_want_is_dropped():
    merged = merge_planned(TrackFilters(artists=["Beyoncé"]), TrackFilters(exclude_artists=["beyonce"]))
    assert merged.artists == ["Beyoncé"] and merged.exclude_artists == []


def test_merging_an_empty_plan_keeps_the_rules():
    rules = TrackFilters(genres=["rock"], exclude_moods=["sad"], duration_min_ms=MIN,
                         exclude_played_since=1_700_000_000)
    assert merge_planned(rules, TrackFilters()) == rules
    assert merge_planned(TrackFilters(), rules) == rules
