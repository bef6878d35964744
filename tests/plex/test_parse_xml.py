"""``parse_xml``: small bodies by ElementTree, listing pages by lxml (safely), both read alike."""

from __future__ import annotations

import threading
from xml.etree import ElementTree

from plexmix.plex.transport import LXML_FROM_BYTES, parse_xml


def _page(tracks: int, title: str = "Song") -> bytes:
    items = "".join(
        f'<Track ratingKey="{k}" title="{title} {k}" type="track"><Genre tag="rock"/></Track>'
        for k in range(1, tracks + 1)
    )
    return f'<?xml version="1.0"?><MediaContainer size="{tracks}">{items}</MediaContainer>'.encode()


def test_a_listing_page_parses_with_lxml_and_reads_like_elementtree() -> None:
    body = _page(2000)
    assert len(body) >= LXML_FROM_BYTES
    big = parse_xml(body)
    small = parse_xml(_page(3))
    assert big is not None and small is not None
    assert type(big).__module__.startswith("lxml") and isinstance(small, ElementTree.Element)
    for root, count in ((big, 2000), (small, 3)):
        tracks = list(root)
        assert root.get("size") == str(count) and len(tracks) == count
        assert tracks[-1].get("title") == f"Song {count}" and tracks[0].find("Genre").get("tag") == "rock"  # type: ignore[union-attr]


def test_entities_are_never_resolved_and_nothing_is_fetched(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    padding = "<Track/>" * (LXML_FROM_BYTES // 8)
    body = (f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<MediaContainer><Note>&x;</Note>{padding}</MediaContainer>').encode()
    root = parse_xml(body)
    assert root is not None and len(list(root)) == 1 + LXML_FROM_BYTES // 8
    assert "TOPSECRET" not in "".join(root.itertext())


def test_a_large_body_that_is_not_well_formed_is_cleaned_like_plexapi_does() -> None:
    body = _page(2000).replace(b"Song 7\"", b"Song \x0b7\"")  # a control character: not XML
    root = parse_xml(body)
    assert root is not None and len(list(root)) == 2000


def test_threads_parse_at_once_with_their_own_parsers() -> None:
    body = _page(2000)
    counts: list[int] = []

    def parse() -> None:
        for _ in range(5):
            root = parse_xml(body)
            assert root is not None
            counts.append(len(list(root)))

    threads = [threading.Thread(target=parse) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == [2000] * 20
