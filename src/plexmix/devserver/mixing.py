"""Deterministic pseudo-random bits from (seed, key): derived data without storing it."""

from __future__ import annotations

_MASK = (1 << 64) - 1


def mix(seed: int, key: int) -> int:
    """splitmix64 of (seed, key): 64 well-mixed bits, stable across runs and platforms."""
    z = (seed * 0x9E3779B97F4A7C15 + key * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def frac(bits: int) -> float:
    """A number in [0, 1) from 16 bits."""
    return (bits & 0xFFFF) / 65536.0
