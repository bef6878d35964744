"""The embedding models PlexMix knows: provider, name, native and default dimension (no numpy, no SDK).

Shared by the settings (which check a configured dimension) and the embedding providers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from plexmix.errors import ConfigError

PROVIDERS = ("gemini", "openai", "local")


@dataclass(frozen=True)
class ModelSpec:
    """What PlexMix knows about one embedding model."""

    provider: str
    model: str
    dimension: int  # the model's native output size
    flexible: bool  # whether a smaller output dimension may be requested
    # What PlexMix asks for when the settings name no dimension (None: the native size).
    default_dimension: int | None = None

    @property
    def default(self) -> int:
        return self.default_dimension or self.dimension


_SPECS = [
    # 768 by default: 3,072 float32 dimensions are 12 GB of vectors at a million tracks, and
    # Google documents 768 as a recommended reduced size (explicit 3072 still works).
    ModelSpec("gemini", "gemini-embedding-001", 3072, True, default_dimension=768),
    ModelSpec("gemini", "text-embedding-004", 768, False),
    ModelSpec("openai", "text-embedding-3-small", 1536, True),
    ModelSpec("openai", "text-embedding-3-large", 3072, True),
    ModelSpec("openai", "text-embedding-ada-002", 1536, False),
    # Two routes to all-MiniLM-L6-v2; their vectors are close but not equal: different model ids.
    ModelSpec("local", "all-MiniLM-L6-v2-onnx-int8", 384, False),
    ModelSpec("local", "all-MiniLM-L6-v2", 384, False),
]

#: (provider, model) -> spec.
KNOWN_MODELS: dict[tuple[str, str], ModelSpec] = {(s.provider, s.model): s for s in _SPECS}

DEFAULT_MODELS: dict[str, str] = {
    "gemini": "gemini-embedding-001",
    "openai": "text-embedding-3-small",
    "local": "all-MiniLM-L6-v2-onnx-int8",
}


def _check_provider(provider: str) -> str:
    name = (provider or "").strip().lower()
    if name not in PROVIDERS:
        raise ConfigError(
            f"Unknown embedding provider {provider!r}.",
            hint="Use one of: " + ", ".join(PROVIDERS) + ".",
        )
    return name


def expected_dimension(
    provider: str, model: str | None = None, dimension: int | None = None
) -> int:
    """The vector size that ``provider``/``model`` produces with the requested ``dimension``.

    Raises :class:`ConfigError` when the dimension cannot be produced (e.g. local with 768, or
    ada-002 with anything but 1536), or when an unknown model is named without a dimension.
    """
    name = _check_provider(provider)
    model = model or DEFAULT_MODELS[name]
    spec = KNOWN_MODELS.get((name, model))
    if dimension is not None and (isinstance(dimension, bool) or int(dimension) < 1):
        raise ConfigError(
            f"Invalid embedding dimension {dimension!r}.", hint="Use a positive number."
        )
    if spec is None:
        if name == "local":
            local = [m for (p, m) in KNOWN_MODELS if p == "local"]
            raise ConfigError(
                f"Unknown local embedding model {model!r}.",
                hint="Use one of: " + ", ".join(local) + ".",
            )
        if dimension is None:
            raise ConfigError(
                f"The {name} embedding model {model!r} is unknown, so is its dimension.",
                hint="Set the embedding dimension explicitly in the configuration.",
            )
        return int(dimension)
    if dimension is None:
        return spec.default
    if int(dimension) == spec.dimension:
        return spec.dimension
    if not spec.flexible:
        raise ConfigError(
            f"The {name} model {model} makes {spec.dimension}-dimensional vectors, "
            f"not {dimension}.",
            hint=f"Set the embedding dimension to {spec.dimension} or leave it unset.",
        )
    if int(dimension) > spec.dimension:
        raise ConfigError(
            f"The {name} model {model} makes at most {spec.dimension} dimensions, not {dimension}.",
            hint=f"Use a dimension between 1 and {spec.dimension}.",
        )
    return int(dimension)


def make_model_id(provider: str, model: str, dimension: int) -> str:
    """The cache key of a vector space, e.g. ``local:all-MiniLM-L6-v2-onnx-int8:384``."""
    return f"{provider}:{model}:{int(dimension)}"


def stored_dimension(
    provider: str, model: str | None, configured: int | None, stored_model_ids: Iterable[str]
) -> int:
    """The dimension to use when vectors are already stored: with no dimension configured,
    the existing vectors of the same model keep their size (e.g. a 3,072-dim Gemini index made
    before the default became 768), so upgrading does not force a paid re-embedding."""
    name = _check_provider(provider)
    model = model or DEFAULT_MODELS[name]
    wanted = expected_dimension(name, model, configured)
    if configured is not None:
        return wanted
    prefix = f"{name}:{model}:"
    sizes = sorted(
        int(m[len(prefix):]) for m in stored_model_ids if m.startswith(prefix) and m[len(prefix):].isdigit()
    )
    for size in sizes:
        try:
            return expected_dimension(name, model, size)
        except ConfigError:
            continue
    return wanted
