"""Recipes of radios and journeys (their seeds as Plex ratingKeys), and a recipe made into a request again.

``create`` keeps its recipe by itself (``services.create.playlist_request``); a radio and a
journey add their seeds here. :func:`remake` turns a stored recipe back into a request (and, for a
journey, what traces its path) for ``refresh`` and ``extend``: the seeds are found by the
ratingKeys kept, so nothing asks again which song was meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from plexmix.errors import UsageError

if TYPE_CHECKING:
    from plexmix.playlist.generator import PlaylistRequest
    from plexmix.playlist.radio import SeedSet
    from plexmix.playlist.recipe import Recipe
    from plexmix.services.context import Context
    from plexmix.services.create import RequestOptions
    from plexmix.services.journey import Make, Route
    from plexmix.storage.sqlite_manager import Connection


def seed_entry(conn: Connection, seed: SeedSet) -> dict[str, Any]:
    """What a recipe keeps of a seed: what it is, its name, the song it names, its tracks' ratingKeys."""
    from plexmix.storage.library import get_tracks

    keys = {t.id: t.plex_key for t in get_tracks(conn, seed.track_ids)}
    return {"kind": seed.kind, "name": seed.label, "title": seed.seed.title, "artist": seed.seed.artist,
            "keys": [keys[tid] for tid in seed.track_ids if tid in keys]}


def seed_from_entry(conn: Connection, entry: Mapping[str, Any]) -> SeedSet:
    """The seed a recipe kept, its tracks found again by ratingKey (those still in the library)."""
    from plexmix.playlist.phrases import Seed
    from plexmix.playlist.radio import SeedSet
    from plexmix.storage.similar import track_ids_by_plex_key

    keys = [str(k) for k in entry.get("keys") or []]
    found = track_ids_by_plex_key(conn, keys)
    name = str(entry.get("name") or "")
    if not found:
        raise UsageError(f"The seed {name or 'of this playlist'} is no longer in the library.",
                         hint="Make the playlist again from another seed.")
    return SeedSet(Seed(title=entry.get("title"), artist=entry.get("artist")),
                   [found[k] for k in keys if k in found], kind=str(entry.get("kind") or "track"), name=name)


def radio_recipe(conn: Connection, seed: SeedSet, request: PlaylistRequest) -> PlaylistRequest:
    """``request`` (a radio's) with its recipe: the options it was given and the seed."""
    from plexmix.playlist.recipe import Recipe

    options = request.recipe.options if request.recipe is not None else {}
    return replace(request, recipe=Recipe("radio", request.mood, options, seed=seed_entry(conn, seed)))


def journey_recipe(conn: Connection, route: Route, steps: int, request: PlaylistRequest) -> PlaylistRequest:
    """``request`` (a journey's) with its recipe: the options, the two songs and the steps."""
    from plexmix.playlist.recipe import Recipe

    options = {**(request.recipe.options if request.recipe is not None else {}), "steps": steps}
    options.pop("limit", None)
    seed = {"start": seed_entry(conn, route.start), "end": seed_entry(conn, route.end),
            "start_name": route.start.label, "end_name": route.end.label}
    return replace(request, recipe=Recipe("journey", request.mood, options, seed=seed))


def remake(
    ctx: Context, conn: Connection, recipe: Recipe, **changes: Any
) -> tuple[PlaylistRequest, Make | None]:
    """The request a recipe makes (with ``changes`` to its options, e.g. ``limit``), and for a
    journey what traces its path (``create_playlist``'s ``make``); the recipe rides along."""
    from plexmix.services.create import playlist_request

    options = {k: v for k, v in {**recipe.options, **changes}.items() if k != "steps"}
    if recipe.command == "radio":
        from plexmix.services.radio import radio_request

        seed = seed_from_entry(conn, recipe.seed)
        request = radio_request(ctx, seed, **cast("RequestOptions", options))
        return replace(request, recipe=recipe), None
    if recipe.command == "journey":
        from plexmix.services.journey import Route, journey_request, tracer

        route = Route(seed_from_entry(conn, recipe.seed["start"]), seed_from_entry(conn, recipe.seed["end"]))
        steps = int(changes.get("limit") or recipe.options.get("steps") or 12)
        options.pop("limit", None)
        request = journey_request(ctx, route, steps, cast("RequestOptions", options))
        return replace(request, recipe=recipe), tracer(route, request)
    request = playlist_request(ctx, recipe.mood, **cast("RequestOptions", options))
    return replace(request, recipe=recipe), None
