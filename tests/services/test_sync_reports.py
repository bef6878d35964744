"""The sync and verify reports: their counts come from storage, their JSON shape stays as documented."""

from __future__ import annotations

from plexmix.services.sync import SyncReport
from plexmix.services.verify import VerifyReport
from plexmix.storage.library import UpsertCounts


def test_a_sync_report_adds_up_batches_and_prints_its_fields_in_order() -> None:
    report = SyncReport(mode="full", removed=1, artists=2, albums=3, tracks_seen=10, duration_s=1.23456)
    report += UpsertCounts(added=4, updated=1, unchanged=2)
    report += UpsertCounts(added=1)
    assert report.as_dict() == {
        "mode": "full", "status": "running", "sync_id": 0, "added": 5, "updated": 1, "unchanged": 2,
        "removed": 1, "artists": 2, "albums": 3, "tracks_seen": 10, "duration_s": 1.235,
    }
    assert list(report.as_dict()) == ["mode", "status", "sync_id", "added", "updated", "unchanged", "removed",
                                      "artists", "albums", "tracks_seen", "duration_s"]


def test_a_verify_report_prints_its_fields_in_order_and_samples_keys() -> None:
    counts = {"artists": 1, "albums": 1, "tracks": 12}
    keys = [str(k) for k in range(12)]
    report = VerifyReport(plex_counts=counts, local_counts=counts, missing_keys=keys, tracks_without_album=0,
                          tracks_without_artist=0, orphan_albums=0, orphan_artists=1, fts_rows=12,
                          stored_tracks=12)
    data = report.as_dict()
    assert list(data) == [
        "plex_counts", "local_counts", "missing_keys", "extra_keys", "tracks_without_album",
        "tracks_without_artist", "orphan_albums", "orphan_artists", "fts_rows", "integrity_problems",
        "repaired", "stored_tracks", "missing_count", "extra_count", "ok",
    ]
    assert data["missing_keys"] == keys[:10] and data["missing_count"] == 12 and data["orphan_artists"] == 1
    assert data["ok"] is False and report.ok is False
    healthy = VerifyReport(plex_counts=counts, local_counts=counts, tracks_without_album=0,
                           tracks_without_artist=0, orphan_albums=0, orphan_artists=0, fts_rows=12,
                           stored_tracks=12)
    assert healthy.ok
    assert not VerifyReport(plex_counts=counts, local_counts=counts, tracks_without_album=0,
                            tracks_without_artist=0, orphan_albums=0, orphan_artists=0, fts_rows=12,
                            stored_tracks=13).ok  # a search row missing for another library's track
