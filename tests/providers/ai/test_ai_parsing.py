"""Parsing model answers into (id, reason) pairs."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexmix.providers.ai.parsing import InvalidAnswerError, load_json, parse_answer


def test_plain_object():
    text = json.dumps({"tracks": [{"id": 3, "reason": "warm"}, {"id": 9, "reason": "soft"}]})
    assert parse_answer(text) == [(3, "warm"), (9, "soft")]


def test_fenced_json_with_prose_around_it():
    text = 'Here you go!\n```json\n{"tracks": [{"id": 5, "reason": "ok"}]}\n```\nEnjoy.'
    assert parse_answer(text) == [(5, "ok")]


def test_first_object_found_inside_prose_without_fences():
    text = 'Playlist: {"tracks": [{"id": 11, "reason": "x"}]} -- and {"other": 1}'
    assert parse_answer(text) == [(11, "x")]


def test_string_and_float_ids_are_accepted_bools_are_not():
    text = json.dumps({"tracks": [{"id": "12", "reason": "a"}, {"id": 13.0},
                                  {"id": True, "reason": "b"}, {"id": "x"}, 14]})
    assert parse_answer(text) == [(12, "a"), (13, ""), (14, "")]


def test_bare_list_is_accepted():
    assert parse_answer('[{"id": 1, "reason": "r"}, 2]') == [(1, "r"), (2, "")]


def test_duplicates_and_order_are_kept_for_the_caller():
    text = json.dumps({"tracks": [{"id": 2, "reason": "a"}, {"id": 2, "reason": "b"}]})
    assert parse_answer(text) == [(2, "a"), (2, "b")]


def test_long_reasons_are_shortened_and_whitespace_collapsed():
    reason = "word  \n " * 100
    ((_, got),) = parse_answer(json.dumps({"tracks": [{"id": 1, "reason": reason}]}))
    assert len(got) <= 120 and "\n" not in got and "  " not in got


def test_empty_tracks_list_is_valid_but_empty():
    assert parse_answer('{"tracks": []}') == []


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Sure! Here are some songs.", '{"tracks": [{"id": 1, "reason": "oops"',
     '{"songs": [1, 2]}', '{"tracks": "1,2,3"}', '{"tracks": [{"reason": "no id"}]}', "42"],
)
def test_invalid_answers_raise(text):
    with pytest.raises(InvalidAnswerError):
        parse_answer(text)


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=10**9), st.text(max_size=40)),
                max_size=30))
def test_round_trip_of_well_formed_answers(picks):
    text = json.dumps({"tracks": [{"id": i, "reason": r} for i, r in picks]})
    parsed = parse_answer(text)
    assert [i for i, _ in parsed] == [i for i, _ in picks]
    assert all(reason == " ".join(orig.split())[:120] or reason.endswith("…")
               for (_, reason), (_, orig) in zip(parsed, picks, strict=True))


def test_load_json_prefers_whole_text():
    assert load_json(' {"a": [1, {"b": 2}]} ') == {"a": [1, {"b": 2}]}
