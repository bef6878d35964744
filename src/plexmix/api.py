"""PlexMix as a Python library: every use case of the CLI, as methods returning typed results.

    >>> from plexmix import PlexMix
    >>> pm = PlexMix.open()                      # settings as the CLI reads them
    >>> pm.sync()                                 # incremental (full the first time)
    >>> result = pm.create_playlist("rainy sunday jazz", limit=25)
    >>> [item.track.title for item in result.playlist.tracks]

Errors are the :mod:`plexmix.errors` types (each with a ``message`` and a ``hint``). Nothing
here prints; progress is reported to an optional :class:`~plexmix.services.progress.Progress`.
Importing this module is cheap: Plex, FAISS, the model runtimes and the AI SDKs load on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import Unpack

from plexmix.services.context import Context

if TYPE_CHECKING:
    from plexmix.config.settings import Settings
    from plexmix.plex.play import PlayerInfo
    from plexmix.services.create import CreateResult, PlaylistPlan, RequestOptions
    from plexmix.services.doctor import Check
    from plexmix.services.embed import EmbeddingStatus, EmbedResult
    from plexmix.services.extend import ExtendResult
    from plexmix.services.importer import MatchReport
    from plexmix.services.journey import JourneyResult
    from plexmix.services.play import PlaybackResult
    from plexmix.services.progress import Progress
    from plexmix.services.radio import MadeOptions, RadioPlan, RadioResult
    from plexmix.services.refresh import RefreshReport
    from plexmix.services.search import SearchResult
    from plexmix.services.sync_run import SyncOutcome
    from plexmix.services.templates import TemplateInfo
    from plexmix.services.verify import VerifyReport
    from plexmix.storage.records import Playlist, PlaylistEntry, RefreshRun, SyncRecord


class PlexMix:
    """One configured PlexMix: a Plex server, its music library and the local mirror of it."""

    def __init__(self, context: Context) -> None:
        self.context = context

    @classmethod
    def open(
        cls, config_path: str | Path | None = None, settings: Mapping[str, Any] | None = None
    ) -> PlexMix:
        """Settings from ``config_path`` (default ``$PLEXMIX_HOME/config.yaml``), the environment
        and ``settings`` (dotted keys, e.g. ``{"plex.url": "http://nas:32400"}``), which win."""
        path = Path(config_path) if config_path is not None else None
        return cls(Context.load(path, settings))

    @property
    def settings(self) -> Settings:
        return self.context.settings

    # -- the library mirror --------------------------------------------------------------------
    def sync(
        self,
        mode: str = "incremental",
        *,
        library: str | Sequence[str] | None = None,
        embed: bool = True,
        progress: Progress | None = None,
        remove_dropped: bool = False,
    ) -> SyncOutcome:
        """Mirror the music libraries (``"full"`` or ``"incremental"``), then embed what changed.

        ``library`` names one or more for this run (default: ``plex.libraries``). With
        ``remove_dropped``, libraries synced before but no longer configured lose their rows.
        """
        from plexmix.services.sync_run import sync_library

        names = [library] if isinstance(library, str) else list(library or ())
        return sync_library(
            self.context, mode, libraries=names, embed=embed, progress=progress,
            confirm_removal=(lambda _: True) if remove_dropped else None,
        )

    def verify(self, *, repair: bool = False, library: str | None = None) -> VerifyReport:
        """Compare the local mirror with Plex; with ``repair``, fix what differs."""
        from plexmix.services.verify import verify_library

        return verify_library(self.context, repair=repair, library_name=library)

    def sync_history(self, limit: int = 10) -> list[SyncRecord]:
        """The last syncs, newest first."""
        from plexmix.services.sync_run import sync_status

        return sync_status(self.context, limit)[0]

    def counts(self) -> dict[str, int]:
        """Tracks, albums, artists, genres, embeddings and playlists stored locally."""
        from plexmix.services.sync_run import sync_status

        return sync_status(self.context, 1)[1]

    def embed(self, *, rebuild: bool = False, progress: Progress | None = None) -> EmbedResult:
        """Embed new and changed tracks; ``rebuild`` re-embeds everything with the configured model."""
        from plexmix.services.embed import embed_library

        return embed_library(self.context, progress=progress, full_rebuild=rebuild, wipe=rebuild)

    def embedding_status(self) -> EmbeddingStatus:
        from plexmix.services.embed import embedding_status

        return embedding_status(self.context)

    # -- finding and making --------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        limit: int = 20,
        genres: Sequence[str] = (),
        year: str | None = None,
        artists: Sequence[str] = (),
        libraries: Sequence[str] = (),
    ) -> SearchResult:
        """Tracks matching ``query`` by words and by meaning (``year``: ``1994``, ``1990-1999``, ``90s``),
        in the music ``libraries`` named (default: ``plex.libraries``)."""
        from plexmix.playlist.filters import filters_from_flags
        from plexmix.services.search import search_tracks

        filters = filters_from_flags(genres=genres, year=year, artists=artists)
        return search_tracks(self.context, query, filters=filters, limit=limit, libraries=libraries)

    def create_playlist(
        self,
        mood: str,
        *,
        name: str | None = None,
        provider: str | None = None,
        replace: bool = False,
        write_to_plex: bool = True,
        export: tuple[str, str | Path] | None = None,
        progress: Progress | None = None,
        **options: Unpack[RequestOptions],
    ) -> CreateResult:
        """A playlist for ``mood``, written to Plex (unless ``write_to_plex=False``) and saved locally.

        ``options``: ``limit``, ``genres``, ``year``, ``rating``, ``artists``, ``pool``,
        ``avoid_recent``, ``plan``, ``libraries``, ``mode`` and ``order`` (see
        :class:`~plexmix.services.create.RequestOptions`).
        ``order`` sets the order the chosen tracks play in: ``"curator"`` (the default),
        ``"smooth"``, ``"rising"``, ``"wind-down"`` or ``"shuffle"``;
        ``result.playlist.ordering`` says which signals set it and the mean step distance.
        ``mode`` blends listening history with similarity: ``"balanced"`` (the default: skips
        count against a track), ``"favourites"`` (loved and often played), ``"discover"`` (rarely
        or never played) or ``"rediscover"`` (loved once, not played for a long time); another
        name raises :class:`~plexmix.errors.UsageError`. Filters named in the mood ("90s", "highly
        rated", a genre or artist) apply too; the
        options win. ``plan=False`` skips the LLM planning call that reads the mood, ``True``
        makes it; ``None`` (the default) follows the ``ai.plan`` setting. A Plex
        failure does not raise: ``result.plex_error`` says what happened and the playlist is kept
        locally.
        """
        from plexmix.services.create import create_playlist, playlist_request

        request = playlist_request(self.context, mood, **options)
        target = (export[0], Path(export[1])) if export is not None else None
        return create_playlist(
            self.context, request, name=name, provider=provider, replace=replace,
            write_to_plex=write_to_plex, export=target, progress=progress,
        )

    def create_from_template(
        self,
        template: str,
        mood: str | None = None,
        *,
        name: str | None = None,
        provider: str | None = None,
        replace: bool = False,
        write_to_plex: bool = True,
        progress: Progress | None = None,
        **options: Unpack[RequestOptions],
    ) -> CreateResult:
        """A playlist from the template called ``template`` (see :meth:`templates`), as
        ``plexmix create --template``: ``mood``, ``name``, ``provider`` and ``options`` given win
        over the template's. Its recipe names the template, so :meth:`refresh` makes it again."""
        from plexmix.services.create import create_playlist
        from plexmix.services.templates import template_request

        made = template_request(self.context, template, mood, name=name, provider=provider, **options)
        return create_playlist(self.context, made.request, name=made.name, provider=made.provider,
                               replace=replace, write_to_plex=write_to_plex, progress=progress)

    def templates(self) -> list[TemplateInfo]:
        """Every playlist template: the built-in ones and those in config.yaml (``templates:``)."""
        from plexmix.services.templates import list_templates

        return list_templates(self.settings)

    def plan_playlist(
        self, mood: str, *, provider: str | None = None, **options: Unpack[RequestOptions]
    ) -> PlaylistPlan:
        """What :meth:`create_playlist` would do (filters, candidates, cost), without doing it.

        No model is called; with ``plan`` (default: the ``ai.plan`` setting) the estimate counts
        the planning call too."""
        from plexmix.services.create import plan_playlist, playlist_request

        return plan_playlist(self.context, playlist_request(self.context, mood, **options), provider=provider)

    def radio(
        self,
        song: str | None = None,
        *,
        artist: str | None = None,
        album: str | None = None,
        playlist: str | None = None,
        dry_run: bool = False,
        **options: Unpack[MadeOptions],
    ) -> RadioResult | RadioPlan:
        """A playlist of songs like one seed: ``song`` ("Title - Artist", a Plex ratingKey or
        words), or ``artist``, ``album`` ("Album" or "Album - Artist") or ``playlist`` (a PlexMix
        playlist id or name, or a Plex playlist's title). ``options`` are :meth:`create_playlist`'s
        (``limit``, the filters, ``mode``, ``order``, ``name``, ``provider``, ``replace``,
        ``write_to_plex``, ``export`` ...); every order keeps the seed song first.

        ``result.signals`` says what ranked the songs: ``sonic`` (Plex's sonic analysis, when the
        server has it for the seeds), ``embeddings``, ``tags`` (shared genres, moods, styles) and
        ``era``. A search that finds several songs raises :class:`~plexmix.errors.UsageError`
        listing them. ``dry_run=True`` returns a :class:`~plexmix.services.radio.RadioPlan`.
        """
        from plexmix.services.radio import RadioSeed, make_radio, plan_radio, split_options

        seed = RadioSeed(song=song, artist=artist, album=album, playlist=playlist)
        if dry_run:
            wanted, save = split_options(options)
            return plan_radio(self.context, seed, provider=save.get("provider"), **wanted)
        return make_radio(self.context, seed, **options)

    def journey(
        self, start: str, end: str, *, steps: int = 12, dry_run: bool = False, **options: Unpack[MadeOptions]
    ) -> JourneyResult:
        """``steps`` tracks moving from song ``start`` to song ``end`` (both included; each given
        like :meth:`radio`'s ``song``). ``result.route.method`` is ``sonic`` (Plex's sonic
        adventure) or ``embeddings``; ``result.route.smoothness`` the mean step distance of
        consecutive tracks' vectors (lower is smoother). ``options``: the filters and the saving
        options of :meth:`create_playlist` (no curator orders a journey). ``dry_run=True`` finds
        the path offline and writes nothing."""
        from plexmix.services.journey import make_journey, plan_journey
        from plexmix.services.radio import split_options

        if dry_run:
            return plan_journey(self.context, start, end, steps=steps, **split_options(options)[0])
        return make_journey(self.context, start, end, steps=steps, **options)

    def players(self) -> list[PlayerInfo]:
        """The Plex players (Plexamp, Plex Web, TVs) the server sees now."""
        from plexmix.services.play import players

        return players(self.context)

    def play(
        self, playlist: str, *, player: str | None = None, shuffle: bool = False, queue_only: bool = False
    ) -> PlaybackResult:
        """Play ``playlist`` (a PlexMix playlist's name or ID, else a Plex playlist's title or
        ratingKey) now: a play queue started on ``player`` (default: the only one), or with
        ``queue_only`` a queue for Plexamp to pick up."""
        from plexmix.services.play import play_playlist

        return play_playlist(self.context, playlist, player=player, shuffle=shuffle, queue_only=queue_only)

    def playlists(self) -> list[Playlist]:
        """The playlists PlexMix made, newest first."""
        from plexmix.services.playlists import list_playlists

        return list_playlists(self.context)

    def playlist_tracks(self, playlist_id: int) -> list[PlaylistEntry]:
        """The tracks of one playlist, in order, with the curator's reasons."""
        from plexmix.services.playlists import playlist_tracks

        return playlist_tracks(self.context, playlist_id)[1]

    def refresh(
        self, *playlists: str, every: bool = False, dry_run: bool = False, force: bool = False,
        recreate: bool | None = None, avoid_played: bool | None = None, sync: bool = False,
        progress: Progress | None = None,
    ) -> RefreshReport:
        """Make the named playlists (ids, names or Plex ratingKeys), or ``every`` one that keeps a
        recipe, again from their recipes, replacing their tracks in Plex in place (same ratingKey).
        Tracks played since the last refresh are left out (``avoid_played``, default: the
        ``refresh.avoid_played`` setting). A playlist edited in Plex is skipped unless ``force``;
        one deleted in Plex is skipped, or made again with ``recreate``. ``report.changes`` says
        what each gained, kept and lost; ``dry_run`` writes nothing. Holds the run lock."""
        from plexmix.services.refresh import RefreshOptions, refresh_playlists

        options = RefreshOptions(dry_run=dry_run, force=force, recreate=recreate, avoid_played=avoid_played,
                                 sync=sync)
        return refresh_playlists(self.context, playlists, every=every, options=options, progress=progress)

    def refresh_history(self, limit: int = 10) -> list[RefreshRun]:
        """The latest refresh runs, newest first."""
        from plexmix.services.refresh import refresh_history

        return refresh_history(self.context, limit)

    def extend(
        self, playlist: str, add: int, *, provider: str | None = None, dry_run: bool = False,
        progress: Progress | None = None,
    ) -> ExtendResult:
        """Append ``add`` tracks that fit ``playlist`` (a PlexMix playlist's id or name: from its
        recipe; or a Plex playlist's title or ratingKey: from its tracks), never one already in it."""
        from plexmix.services.extend import extend_playlist

        return extend_playlist(self.context, playlist, add, provider=provider, dry_run=dry_run,
                               progress=progress)

    def import_playlist(
        self, path: str | Path, *, name: str | None = None, dry_run: bool = False, replace: bool = False,
        write_to_plex: bool = True,
    ) -> MatchReport:
        """Import a playlist file (M3U/M3U8, a PlexMix JSON export, or a text list of "Artist -
        Title" lines): each line matched to a library track by path (``matching.path_map``), by
        artist and title, or fuzzily (``matching.threshold``), then written to Plex as ``name``
        (default: the file's own name) and saved locally. ``report.matches`` says for each line
        exact / fuzzy (with its score) / missing (with the closest track as ``guess``, left out);
        ``dry_run`` writes nothing. A Plex playlist of that name is replaced only with ``replace``."""
        from plexmix.services.importer import import_playlist

        return import_playlist(self.context, Path(path), name=name, dry_run=dry_run, replace=replace,
                               write_to_plex=write_to_plex)

    def copy_playlist(
        self, playlist: str, *, to: str, name: str | None = None, dry_run: bool = False,
        replace: bool = False,
    ) -> MatchReport:
        """Copy ``playlist`` (a PlexMix playlist's id or name, or a Plex playlist's title or
        ratingKey on this server) to the server profile ``to``: each track matched again in that
        server's mirror (run ``plexmix --server NAME sync`` first), written there as ``name``
        (default: the same name) and saved in its database, with the same report as
        :meth:`import_playlist`."""
        from plexmix.services.copy import copy_playlist

        return copy_playlist(self.context, playlist, to=to, name=name, dry_run=dry_run, replace=replace)

    def doctor(self) -> list[Check]:
        """Every configuration check of ``plexmix config validate`` (Plex, keys, models, paths)."""
        from plexmix.services.doctor import run_checks

        return run_checks(self.context.loaded, self.context.credentials)
