"""The provider interface and the one template method every LLM provider shares.

``select`` = build prompt -> ``_call`` (one subclass per SDK) -> parse JSON -> one corrective
retry on invalid JSON -> clean ids and fill a short answer from the ranking. Network trouble
is retried with exponential backoff; what cannot be recovered falls back to the similarity
ranking (``Selection.fallback``), except a rejected key or an unknown model, which raise
:class:`~plexmix.errors.AIProviderError` because only the user can fix them. Failures are sorted
and retried by :mod:`plexmix.providers.failures`, as for the embedding providers.

``plan`` is the short planning call (the mood -> one structured query, see ``plan_prompt``)
with the same retries, corrective retry and key/model errors; it gives None and a reason
instead of a fallback.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from plexmix.config.credentials import provider_key, secret_for
from plexmix.errors import AIProviderError, CredentialError, UsageError
from plexmix.providers.ai.parsing import InvalidAnswerError, parse_answer
from plexmix.providers.ai.plan_prompt import (
    PLAN_CORRECTION,
    PLAN_OUTPUT_TOKENS,
    PLAN_SCHEMA,
    PLAN_SYSTEM,
    parse_plan,
    plan_prompt_tokens,
    plan_user_prompt,
)
from plexmix.providers.ai.pricing import estimate_cost
from plexmix.providers.ai.prompt import (
    CORRECTION,
    RESPONSE_SCHEMA,
    BuiltPrompt,
    build_prompt,
    expected_output_tokens,
)
from plexmix.providers.ai.ranking import merge_with_ranking, ranking_selection, unique_candidates
from plexmix.providers.ai.records import Candidate, PlanResult, PlanVocabulary, PromptEstimate, Selection
from plexmix.providers.clients import CLIENTS, LazyClient
from plexmix.providers.failures import CallFailedError, Failure, Kind, RetryPolicy

__all__ = [
    "MODEL_SETTING",
    "Candidate",
    "Curator",
    "PromptEstimate",
    "Selection",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Names of the user settings our error hints point at (`plexmix config set NAME VALUE`).
MODEL_SETTING = "ai.model"


class _GaveUpError(Exception):
    """Internal: the call failed for good (but not because of the user's key or model)."""

    def __init__(self, failure: Failure, attempts: int) -> None:
        super().__init__(failure.summary)
        self.failure = failure
        self.attempts = attempts

    def reason(self, subject: str) -> str:
        """"<subject> failed (HTTP 500) after 3 attempts" (no count when it was not retried)."""
        tries = f" after {self.attempts} attempts" if self.failure.retryable else ""
        return f"{subject} failed ({self.failure.summary}){tries}"


class Curator(ABC):
    """Base class of all curators. Subclasses set the class attributes, ``_new_client`` and ``_call``.

    The API key comes from the caller, else from :func:`plexmix.config.credentials.provider_key`
    (the one resolver: environment variables with their aliases, keyring, credentials file).
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    default_model: ClassVar[str | None] = None
    needs_key: ClassVar[bool] = True  # which key: plexmix.config.credentials.secret_for(name)
    # Prompt + answer token budget (kept well below the model's window to bound cost).
    context_tokens: ClassVar[int] = 100_000
    # Extra answer tokens for models that think before answering.
    output_headroom_tokens: ClassVar[int] = 0
    # True when calls cost nothing (local server, no LLM).
    free: ClassVar[bool] = False
    # False when the curator makes no planning call (no LLM).
    plans: ClassVar[bool] = True

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        temperature: float = 0.7,
        max_retries: int = 2,
        retry_backoff: float = 0.5,
        context_tokens: int | None = None,
    ) -> None:
        self._api_key = provider_key(self.name, api_key) if self.needs_key else api_key
        if self.needs_key and not self._api_key:
            raise CredentialError(
                f"No API key is set for {self.display_name}.", hint=self.key_hint()
            )
        self.model: str | None = model or self.default_model
        self.base_url = base_url
        self.timeout = float(timeout)
        self.temperature = float(temperature)
        # Waits double from retry_backoff (no jitter: one request at a time) or follow Retry-After.
        self.retry = RetryPolicy(
            max_attempts=max(0, int(max_retries)) + 1,
            base_delay=max(0.0, float(retry_backoff)),
            jitter=0.0,
        )
        if context_tokens is not None:
            self.context_tokens = int(context_tokens)  # type: ignore[misc]
        self._last_usage: dict | None = None
        self._client = LazyClient(self._new_client)  # the SDK client, made on first use

    @property
    def max_retries(self) -> int:
        return self.retry.max_attempts - 1

    @property
    def sleep(self) -> Callable[[float], None]:
        """Called between retries with the delay in seconds (tests may replace it)."""
        return self.retry.sleep

    @sleep.setter
    def sleep(self, sleep: Callable[[float], None]) -> None:
        self.retry.sleep = sleep

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r})"

    # ----------------------------------------------------------------- settings & messages
    @classmethod
    def key_hint(cls) -> str:
        """Where the user sets the key (env var and config command)."""
        spec = secret_for(cls.name)
        if spec is None:
            return "Choose another provider with --provider."
        return spec.hint("choose another provider with --provider")

    def _auth_error(self, failure: Failure) -> AIProviderError:
        code = f" (HTTP {failure.status})" if failure.status else ""
        return AIProviderError(
            f"{self.display_name} rejected the API key{code}.", hint=self.key_hint()
        )

    def _model_error(self, failure: Failure) -> AIProviderError:
        return AIProviderError(
            f"The model '{self.model}' is not served by {self.display_name}.",
            hint=f"Set {MODEL_SETTING}: plexmix config set {MODEL_SETTING} MODEL.",
        )

    # ------------------------------------------------------------------- prompt & estimate
    def prompt_budget(self, length: int) -> int:
        """Prompt tokens allowed: the budget minus room for the answer."""
        return self.context_tokens - expected_output_tokens(length) - self._headroom()

    def _headroom(self) -> int:
        """Extra answer tokens to request beyond the JSON itself (thinking models)."""
        return self.output_headroom_tokens

    def _build(self, mood: str, candidates: Sequence[Candidate], length: int) -> BuiltPrompt:
        return build_prompt(mood, candidates, length, self.prompt_budget(length))

    def build_prompt(
        self, mood: str, candidates: Sequence[Candidate], length: int
    ) -> tuple[str, str, list[Candidate]]:
        """System text, user text and the candidates that fit the budget (best first)."""
        built = self._build(mood, unique_candidates(candidates), length)
        return built.system, built.user, built.candidates_used

    def estimate(
        self, mood: str, candidates: Sequence[Candidate], length: int
    ) -> PromptEstimate:
        """Tokens and rough cost of one ``select`` call (without calling anything)."""
        built = self._build(mood, unique_candidates(candidates), length)
        out = expected_output_tokens(min(length, len(built.candidates_used)))
        cost = 0.0 if self.free else estimate_cost(self.model, built.prompt_tokens, out)
        return PromptEstimate(built.prompt_tokens, out, len(built.candidates_used), cost)

    # ------------------------------------------------------------------ the template method
    def select(self, mood: str, candidates: Sequence[Candidate], length: int) -> Selection:
        """Pick and order ``length`` tracks for ``mood`` from ``candidates``."""
        if length < 1:
            raise UsageError("The playlist length must be at least 1.", hint="Use --limit N.")
        pool = unique_candidates(candidates)
        if not pool:
            return Selection([], {}, self.name, self.model, False, None, None)
        built = self._build(mood, pool, length)
        # The cap is generous so that a wordy answer is not cut off mid-JSON.
        expected = expected_output_tokens(min(length, len(built.candidates_used)))
        max_out = 2 * expected + 256 + self._headroom()
        usage = _new_usage()
        try:
            picked = self._ask(
                built.system, built.user, RESPONSE_SCHEMA, CORRECTION, parse_answer, max_out, usage
            )
        except InvalidAnswerError:
            return self._fallback(
                pool, length, usage,
                f"{self.display_name} did not return valid JSON after a corrective retry, "
                "so the similarity ranking was used.",
            )
        except _GaveUpError as gave_up:
            reason = gave_up.reason(self.display_name) + ", so the similarity ranking was used."
            return self._fallback(pool, length, usage, reason)
        return self._finish(picked, pool, length, usage)

    # ----------------------------------------------------------------------- the planning call
    def estimate_plan(self, mood: str, vocabulary: PlanVocabulary) -> PromptEstimate:
        """Tokens and rough cost of one :meth:`plan` call (without calling anything)."""
        if not self.plans:
            return PromptEstimate(0, 0, 0, 0.0)
        tokens = plan_prompt_tokens(plan_user_prompt(mood, vocabulary))
        cost = 0.0 if self.free else estimate_cost(self.model, tokens, PLAN_OUTPUT_TOKENS)
        return PromptEstimate(tokens, PLAN_OUTPUT_TOKENS, 0, cost)

    def plan(self, mood: str, vocabulary: PlanVocabulary) -> PlanResult:
        """Ask the model to turn ``mood`` into one structured query (:data:`PLAN_SCHEMA`).

        The same retries and corrective retry as :meth:`select`. Network trouble and invalid
        JSON give ``PlanResult(None, reason)``; a rejected key or an unknown model raise
        :class:`~plexmix.errors.AIProviderError`. Without an LLM (or a mood) nothing is sent.
        """
        if not self.plans or not mood.strip():
            return PlanResult(None, None)
        user = plan_user_prompt(mood, vocabulary)
        max_out = 2 * PLAN_OUTPUT_TOKENS + self._headroom()
        usage = _new_usage()
        try:
            plan = self._ask(PLAN_SYSTEM, user, PLAN_SCHEMA, PLAN_CORRECTION, parse_plan, max_out, usage)
        except InvalidAnswerError:
            reason = f"{self.display_name} did not return a valid plan after a corrective retry"
        except _GaveUpError as gave_up:
            reason = gave_up.reason(f"The planning call to {self.display_name}")
        else:
            return PlanResult(plan, None, usage)
        return PlanResult(None, reason, usage if usage["calls"] else None)

    def _ask(
        self, system: str, user: str, schema: dict, correction: str,
        parse: Callable[[str], T], max_out: int, usage: dict,
    ) -> T:
        """One call and its parsed answer; on invalid JSON, one more call that says what was wrong
        (``correction`` has a ``{problem}`` slot). Raises InvalidAnswerError or _GaveUpError."""
        text = self._call_with_retries(system, user, schema, max_out, usage)
        try:
            return parse(text)
        except InvalidAnswerError as bad:
            logger.debug("%s answer was not valid JSON (%s); asking again", self.name, bad)
            corrected = user + "\n\n" + correction.format(problem=bad)
        return parse(self._call_with_retries(system, corrected, schema, max_out, usage))

    def _finish(
        self, picked: list[tuple[int, str]], pool: list[Candidate], length: int, usage: dict
    ) -> Selection:
        ids, reasons, filled, dropped = merge_with_ranking(
            picked, pool, length, default_reason=f"Picked by {self.display_name} for this mood"
        )
        if dropped:
            logger.debug("%s: dropped %d unknown or repeated ids", self.name, dropped)
        if len(filled) == len(ids):
            return self._fallback(
                pool, length, usage,
                f"{self.display_name} chose no track from the candidates, "
                "so the similarity ranking was used.",
            )
        note = None
        if filled:
            note = f"filled {len(filled)} from the similarity ranking"
        return Selection(ids, reasons, self.name, self.model, False, note, usage, filled)

    def _fallback(
        self, pool: list[Candidate], length: int, usage: dict, reason: str
    ) -> Selection:
        logger.info("%s fallback: %s", self.name, reason)
        return ranking_selection(
            pool, length, provider=self.name, model=self.model, fallback=True,
            fallback_reason=reason, usage=usage if usage.get("calls") else None,
        )

    def _call_with_retries(
        self, system: str, user: str, schema: dict, max_out: int, usage: dict
    ) -> str:
        def attempt() -> str:
            self._last_usage = None
            started = time.monotonic()
            text = self._call(system, user, schema, max_output_tokens=max_out)
            elapsed = time.monotonic() - started
            self._add_usage(usage, elapsed)
            logger.debug(
                "%s call to %s took %.2fs, usage %s", self.name, self.model, elapsed, self._last_usage
            )
            return text

        label = f"{self.name} call to {self.model}"
        try:
            return self.retry.call(attempt, label=label, passthrough=(AIProviderError,))
        except CallFailedError as failed:
            failure = failed.failure
            if failure.kind is Kind.AUTH:
                raise self._auth_error(failure) from failed.__cause__
            if failure.kind is Kind.NOT_FOUND:
                raise self._model_error(failure) from failed.__cause__
            raise _GaveUpError(failure, failed.attempts) from failed.__cause__

    def _note_usage(self, response: Any, prompt: str, output: str) -> None:
        """Keep the token counts of ``response.usage`` (each SDK names them differently)."""
        counts = getattr(response, "usage", None)
        if counts is not None:
            self._last_usage = {
                "prompt_tokens": getattr(counts, prompt, None),
                "output_tokens": getattr(counts, output, None),
            }

    def _add_usage(self, usage: dict, elapsed: float) -> None:
        usage["calls"] += 1
        usage["seconds"] = round(usage["seconds"] + elapsed, 3)
        for key in ("prompt_tokens", "output_tokens"):
            value = (self._last_usage or {}).get(key)
            if isinstance(value, int):
                usage[key] += value

    # ------------------------------------------------------------------------ SDK specific
    def _new_client(self) -> Any:
        """The vendor's SDK client; made once, on first use."""
        return CLIENTS[self.name](self._api_key, base_url=self.base_url, timeout=self.timeout)

    @abstractmethod
    def _call(
        self, system: str, user: str, schema: dict, *, max_output_tokens: int = 1024
    ) -> str:
        """Send one request; return the model's raw text answer.

        May set ``self._last_usage = {"prompt_tokens": int, "output_tokens": int}``.
        SDK exceptions propagate; the template method classifies them.
        """


def _new_usage() -> dict:
    """The usage counters of one select or plan (summed over its calls)."""
    return {"calls": 0, "prompt_tokens": 0, "output_tokens": 0, "seconds": 0.0}
