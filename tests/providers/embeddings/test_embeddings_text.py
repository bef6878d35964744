"""track_text, text_hash, the model table and the provider factory (no model is loaded here)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from plexmix.config.settings import EmbeddingSettings, Settings
from plexmix.errors import ConfigError, CredentialError, EmbeddingError
from plexmix.providers.embeddings import (
    KNOWN_MODELS,
    expected_dimension,
    get_embedding_provider,
)
from plexmix.storage.track_text import text_hash, track_text


def test_track_text_full_format() -> None:
    text = track_text(
        "Creep", "Radiohead", "Pablo Honey", "Alternative, Rock", 1993,
        moods=["Melancholy", "Brooding"], styles="Indie Rock",
    )
    assert text == (
        "Creep by Radiohead from Pablo Honey - Alternative, Rock (1993). "
        "Mood: Melancholy, Brooding. Style: Indie Rock"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("Song", None, "LP", "Pop", 2000), "Song from LP - Pop (2000)"),
        (("Song", "Band", None, "Pop", 2000), "Song by Band - Pop (2000)"),
        (("Song", "Band", "LP", "", 2000), "Song by Band from LP (2000)"),
        (("Song", "Band", "LP", "Pop", None), "Song by Band from LP - Pop"),
        (("Song", "Band", "LP", None, 0), "Song by Band from LP"),
        (("Song", "", "", [], None), "Song"),
        (("", "Band", "LP", "Pop", 1999), "Band from LP - Pop (1999)"),
        (("Song", "Band", "LP", "Pop", "1999-05-01"), "Song by Band from LP - Pop (1999)"),
        (("Song", "Band", "LP", "Pop", "unknown"), "Song by Band from LP - Pop"),
    ],
)
def test_track_text_leaves_missing_parts_out_cleanly(args: tuple, expected: str) -> None:
    text = track_text(*args)
    assert text == expected
    for bad in ("None", "()", " - (", "by  ", " by from", "  "):
        assert bad not in text
    assert not text.endswith((" -", " by", " from"))


def test_track_text_moods_and_styles_without_other_fields() -> None:
    assert track_text("Song", None, None, None, None, moods="Calm") == "Song. Mood: Calm"
    assert track_text("Song", None, None, None, None, styles=["Dub"]) == "Song. Style: Dub"
    # A title that already ends a sentence gets no second full stop.
    assert track_text("Help!", None, None, None, None, moods="Upbeat") == "Help! Mood: Upbeat"


def test_track_text_normalises_tags_and_whitespace() -> None:
    as_string = track_text("  Song \n", " Band ", "LP", "Rock, , rock, Pop ", 2001, moods=" Sad ,Sad")
    as_list = track_text("Song", "Band", "LP", ["Rock", "Pop"], 2001, moods=["Sad"])
    assert as_string == as_list == "Song by Band from LP - Rock, Pop (2001). Mood: Sad"


def test_text_hash_is_stable_and_sensitive() -> None:
    text = track_text("Creep", "Radiohead", "Pablo Honey", "Alternative", 1993, moods=["Melancholy"])
    a = text_hash(text)
    assert a == text_hash(text)
    # The SHA-256 of the UTF-8 text, computed here independently.
    assert a == hashlib.sha256(b"Creep by Radiohead from Pablo Honey - Alternative (1993). Mood: Melancholy").hexdigest()
    assert text_hash("Björk – Jóga") == hashlib.sha256("Björk – Jóga".encode()).hexdigest()
    # Every field of the track text moves the hash.
    changed = [
        track_text("Creep (Acoustic)", "Radiohead", "Pablo Honey", "Alternative", 1993, moods=["Melancholy"]),
        track_text("Creep", "Thom Yorke", "Pablo Honey", "Alternative", 1993, moods=["Melancholy"]),
        track_text("Creep", "Radiohead", "The Bends", "Alternative", 1993, moods=["Melancholy"]),
        track_text("Creep", "Radiohead", "Pablo Honey", "Rock", 1993, moods=["Melancholy"]),
        track_text("Creep", "Radiohead", "Pablo Honey", "Alternative", 1994, moods=["Melancholy"]),
        track_text("Creep", "Radiohead", "Pablo Honey", "Alternative", 1993, moods=["Brooding"]),
        track_text("Creep", "Radiohead", "Pablo Honey", "Alternative", 1993, moods=["Melancholy"], styles="Indie"),
    ]
    hashes = {a, *(text_hash(t) for t in changed)}
    assert len(hashes) == 1 + len(changed)


@pytest.mark.parametrize(
    ("provider", "model", "dimension", "expected"),
    [
        ("local", None, None, 384),
        ("local", "all-MiniLM-L6-v2", 384, 384),
        ("gemini", None, None, 768),  # the default since issue 12 (native: 3072)
        ("gemini", "gemini-embedding-001", 3072, 3072),
        ("gemini", "gemini-embedding-001", 768, 768),
        ("openai", None, None, 1536),
        ("openai", "text-embedding-3-large", None, 3072),
        ("openai", "text-embedding-3-small", 512, 512),
        ("openai", "text-embedding-ada-002", 1536, 1536),
        ("openai", "some-future-model", 1024, 1024),
    ],
)
def test_expected_dimension(provider: str, model: str | None, dimension: int | None, expected: int) -> None:
    assert expected_dimension(provider, model, dimension) == expected


@pytest.mark.parametrize(
    ("provider", "model", "dimension"),
    [
        ("local", None, 768),
        ("local", "bert-large", None),
        ("openai", "text-embedding-ada-002", 512),
        ("openai", "text-embedding-3-small", 4096),
        ("openai", "some-future-model", None),
        ("gemini", None, 0),
        ("cohere", None, None),
    ],
)
def test_expected_dimension_rejects_impossible_settings(
    provider: str, model: str | None, dimension: int | None
) -> None:
    with pytest.raises(ConfigError) as info:
        expected_dimension(provider, model, dimension)
    assert info.value.hint


# The published native sizes of the default models (Gemini, OpenAI and MiniLM documentation).
DEFAULT_SIZES = {"gemini": 3072, "openai": 1536, "local": 384}
# What PlexMix uses when no dimension is configured: Gemini's is reduced (output_dimensionality).
USED_SIZES = {**DEFAULT_SIZES, "gemini": 768}


@pytest.mark.parametrize("provider", sorted(DEFAULT_SIZES))
def test_known_models_cover_the_defaults(provider: str) -> None:
    settings = EmbeddingSettings(provider=provider)
    model = settings.model_name  # the model a user gets when none is configured
    assert (provider, model) in KNOWN_MODELS, (provider, model)
    spec = KNOWN_MODELS[(provider, model)]
    assert (spec.provider, spec.model, spec.dimension) == (provider, model, DEFAULT_SIZES[provider])
    assert settings.effective_dimension == USED_SIZES[provider]
    provider_obj = get_embedding_provider(provider, api_key="k")
    assert provider_obj.model_id == f"{provider}:{model}:{USED_SIZES[provider]}"


def test_the_default_settings_use_a_known_model() -> None:
    settings = Settings()
    embeddings = settings.embeddings
    spec = KNOWN_MODELS[(embeddings.provider, embeddings.model_name)]
    assert (embeddings.provider, spec.model, spec.dimension) == ("gemini", "gemini-embedding-001", 3072)
    assert embeddings.effective_dimension == spec.default == 768


@pytest.mark.parametrize(("provider", "env"), [("gemini", "GOOGLE_API_KEY"), ("openai", "OPENAI_API_KEY")])
def test_missing_api_key_names_the_variable(provider: str, env: str) -> None:
    with pytest.raises(CredentialError) as info:
        get_embedding_provider(provider)
    assert env in (info.value.hint or "")


def test_api_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-123456")
    provider = get_embedding_provider("openai", dimension=256)
    assert provider.model_id == "openai:text-embedding-3-small:256"
    assert provider.dimension == 256


def test_gemini_key_from_its_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-from-the-alias-1234")
    provider = get_embedding_provider("gemini", dimension=768)
    assert provider.model_id == "gemini:gemini-embedding-001:768"
    assert provider._api_key == "AIza-from-the-alias-1234"  # type: ignore[attr-defined]


def test_model_ids_differ_per_route_model_and_dimension() -> None:
    ids = {
        get_embedding_provider("local").model_id,
        get_embedding_provider("gemini", api_key="k").model_id,
        get_embedding_provider("gemini", api_key="k", dimension=3072).model_id,
        get_embedding_provider("openai", api_key="k").model_id,
        get_embedding_provider("openai", api_key="k", model="text-embedding-3-large").model_id,
    }
    assert len(ids) == 5
    assert get_embedding_provider("local").model_id == "local:all-MiniLM-L6-v2-onnx-int8:384"
    assert "gemini:gemini-embedding-001:3072" in ids


def test_sentence_transformers_route_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec",
        lambda name, *a: None if name == "sentence_transformers" else real(name, *a),
    )
    with pytest.raises(EmbeddingError) as info:
        get_embedding_provider("local", model="all-MiniLM-L6-v2")
    assert "plexmix[local]" in (info.value.hint or "")


def test_importing_the_embedding_modules_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "import plexmix.providers.embeddings, plexmix.services.embed\n"
        "import plexmix.storage.vector_index, plexmix.storage.embedding_store\n"
        "from plexmix.providers.embeddings import get_embedding_provider\n"
        "get_embedding_provider('local'); get_embedding_provider('openai', api_key='k')\n"
        "heavy = {'faiss', 'onnxruntime', 'tokenizers', 'torch', 'sentence_transformers',"
        " 'openai', 'google.genai'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
