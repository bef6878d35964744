"""A small list-price table for cost estimates (USD per million tokens, input / output).

Prices change; the numbers are rough public list prices and only used to show the user an
order of magnitude before a call. Unknown models give ``None`` (unknown), never a guess.
"""

from __future__ import annotations

import re

# model id -> (input USD / 1M tokens, output USD / 1M tokens)
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    # Google Gemini
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "gemini-2.5-pro": (1.25, 10.00),
    "gemini-2.0-flash": (0.10, 0.40),
    # OpenAI
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    # Anthropic Claude
    "claude-sonnet-5-5": (2.00, 10.00),
    "claude-sonnet-5": (2.00, 10.00),
    "claude-sonnet-4-6": (3.00, 15.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-haiku-4-5": (1.00, 5.00),
}

# A dated snapshot or alias of a listed model: "gpt-4o-mini-2024-07-18", "...-latest".
_SUFFIX_RE = re.compile(r"^-(\d[\d-]*|latest)$")


def price_for(model: str | None) -> tuple[float, float] | None:
    """Input/output price per million tokens for ``model`` or None when not listed."""
    if not model:
        return None
    name = model.strip().lower()
    if name.startswith("models/"):
        name = name[len("models/") :]
    if name in PRICES_PER_MTOK:
        return PRICES_PER_MTOK[name]
    for key in sorted(PRICES_PER_MTOK, key=len, reverse=True):
        if name.startswith(key) and _SUFFIX_RE.match(name[len(key) :]):
            return PRICES_PER_MTOK[key]
    return None


def estimate_cost(model: str | None, prompt_tokens: int, output_tokens: int) -> float | None:
    """Estimated USD cost of one call, or None for models without a listed price."""
    price = price_for(model)
    if price is None:
        return None
    cost_in, cost_out = price
    return round((prompt_tokens * cost_in + output_tokens * cost_out) / 1_000_000, 6)
