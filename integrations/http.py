"""JSON over HTTP to the external desks: a timeout on every call, retries with backoff, typed errors.

    http = JsonHttp(label="Zendesk connection 'Acme'", redact=connection.redact)
    answer = http.request("GET", url, headers=..., params=...)    # .status, .data, .headers

- Every call has a timeout (``timeout``, connect and read).
- 429, 5xx, timeouts and dropped connections are retried up to ``RetryPolicy.max_attempts``
  times with exponential backoff and full jitter; a ``Retry-After`` (seconds or an HTTP date)
  is honoured instead of the backoff. One longer than ``max_retry_after`` is not waited for
  in-line: ``RateLimited`` says when to come back (a Celery task reschedules itself).
- A request that is not safe to repeat (POST, PATCH; or ``idempotent=False``) is retried only
  when the desk cannot have acted on it: a 429, or a connection that was never made. A
  timeout, 5xx or drop then raises ``TransientError(maybe_applied=True)``.
- ``request`` turns what is left into errors: 401 ``AuthenticationError``, other 4xx
  ``PermanentError`` with the remote's error summarised; ``send`` returns any answer it got
  (for OAuth endpoints, whose errors need reading).

Messages and logs name the method and the path, never the query string, headers or body
(Zoho's token endpoint takes secrets as parameters), and pass through ``redact``.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.utils import timezone

from helpdesk import safejson
from integrations.errors import AuthenticationError, PermanentError, RateLimited, TransientError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_SUMMARY_MAX_CHARS = 500


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests pass tiny delays; the defaults suit a background worker."""

    max_attempts: int = 4
    base_delay: float = 0.5  # the first backoff's ceiling; doubles each attempt
    max_delay: float = 30.0
    max_retry_after: float = 60.0  # a longer Retry-After is handed back to the caller, not slept


@dataclass
class Response:
    """What the desk answered: status, headers, and the parsed JSON (None for an empty or non-JSON body)."""

    status: int
    headers: Mapping[str, str]
    data: Any
    text: str = field(repr=False, default="")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - timezone.now()).total_seconds())


def summarise_error(data: Any, text: str = "") -> tuple[str, str]:
    """(code, details) from an error body in Zendesk's or Zoho's shape, or from plain text.

    Zendesk: ``{"error", "description", "details": {field: [{"description"}]}}``;
    Zoho: ``{"errorCode", "message", "errors": [{"fieldName", "errorType", "errorMessage"}]}``;
    OAuth: ``{"error", "error_description"}``.
    """
    if not isinstance(data, dict):
        snippet = " ".join(text.split())[:200]
        return "", snippet
    error = data.get("error")
    code = str(data.get("errorCode") or (error if isinstance(error, str) else "") or "")
    if isinstance(error, dict):  # Zendesk's search errors: {"error": {"title", "message"}}
        code = str(error.get("title") or "")
    parts: list[str] = []
    for key in ("description", "message", "error_description"):
        if isinstance(data.get(key), str) and data[key]:
            parts.append(data[key])
    if isinstance(error, dict) and error.get("message"):
        parts.append(str(error["message"]))
    details = data.get("details")
    if isinstance(details, dict):
        for name, problems in details.items():
            items = problems if isinstance(problems, list) else [problems]
            texts = [str(p.get("description") or p.get("error") or p) if isinstance(p, dict) else str(p) for p in items]
            parts.append(f"{name}: {'; '.join(texts)}")
    errors = data.get("errors")
    if isinstance(errors, list):
        for item in errors:
            if isinstance(item, dict):
                name = str(item.get("fieldName") or "").lstrip("/")
                what = item.get("errorMessage") or item.get("errorType") or ""
                parts.append(f"{name}: {what}" if name else str(what))
    return code, "; ".join(parts)[:_SUMMARY_MAX_CHARS]


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so the desk cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return type(reason).__name__ in {"NewConnectionError", "NameResolutionError"}
    return False


class JsonHttp:
    """A ``requests`` session with the desk's timeouts, retries and error types.

    ``label`` names the connection in messages ("Zendesk connection 'Acme'"); ``redact``
    removes its secrets from anything that leaves this class. ``sleep`` and ``rng`` are
    there for tests.
    """

    def __init__(
        self,
        *,
        label: str,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        redact: Callable[[str], str] = lambda text: text,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.label = label
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.redact = redact
        self.sleep = sleep
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.session = session or requests.Session()
        self.attempts = 0  # requests sent, retries included (for tests and logs)

    def close(self) -> None:
        self.session.close()

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**(attempt - 1))]."""
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Response:
        """Send with retries; return the answer (any status but 429/5xx), or raise ``TransientError``."""
        method = method.upper()
        safe_to_repeat = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        where = f"{method} {urlsplit(url).path}"
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            try:
                raw = self.session.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    params=params,
                    json=json_body,
                    data=form,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "failed to connect or was cut off"
                repeatable = safe_to_repeat or _never_sent(exc)
                if repeatable and attempt < self.retry.max_attempts:
                    delay = self.backoff(attempt)
                    logger.warning("%s: %s %s (attempt %d), retrying in %.2fs", self.label, where, kind, attempt, delay)
                    self.sleep(delay)
                    continue
                raise TransientError(
                    self._message(f"{where} {kind} after {attempt} attempt(s)", repeatable),
                    maybe_applied=not repeatable,
                ) from None
            answer = self._wrap(raw)
            status = answer.status
            if status == 429 or status >= 500:
                retry_after = parse_retry_after(answer.headers.get("Retry-After"))
                # A 429 is a refusal before any work, so even a create may go again.
                repeatable = safe_to_repeat or status == 429
                too_long = retry_after is not None and retry_after > self.retry.max_retry_after
                if repeatable and not too_long and attempt < self.retry.max_attempts:
                    delay = retry_after if retry_after is not None else self.backoff(attempt)
                    logger.warning(
                        "%s: %s answered %d (attempt %d), retrying in %.2fs",
                        self.label,
                        where,
                        status,
                        attempt,
                        delay,
                    )
                    self.sleep(delay)
                    continue
                code, details = summarise_error(answer.data, answer.text)
                summary = self.redact(f" ({code}: {details})" if code or details else "")
                error_class = RateLimited if status == 429 else TransientError
                what = "is rate limited" if status == 429 else f"answered {status}"
                raise error_class(
                    self._message(f"{where} {what} after {attempt} attempt(s){summary}", repeatable),
                    status=status,
                    retry_after=retry_after,
                    maybe_applied=not repeatable,
                )
            return answer

    def request(self, method: str, url: str, *, auth_hint: str | None = None, **kwargs: Any) -> Response:
        """``send``, then 401 -> ``AuthenticationError``, other 4xx -> ``PermanentError``.

        A 401 is taken as a refused access token (``token_rejected``: a refresh may help) unless
        ``auth_hint`` says what a person must fix instead (an API token has nothing to refresh).
        """
        answer = self.send(method, url, **kwargs)
        if answer.status < 400:
            return answer
        where = f"{method.upper()} {urlsplit(url).path}"
        code, details = summarise_error(answer.data, answer.text)
        said = self.redact(f"{code}: {details}" if code and details else code or details or "no details")
        if answer.status == 401:
            raise AuthenticationError(
                f"{self.label} refused our credentials ({where} answered 401: {said}). "
                + (auth_hint or f"Reconnect the {self.label} in the admin."),
                status=401,
                token_rejected=auth_hint is None,
            )
        hint = {
            403: " Check the scopes and the API user's role in the desk.",
            404: " The record may have been deleted in the desk.",
        }.get(answer.status, "")
        raise PermanentError(
            f"{self.label}: {where} answered {answer.status}: {said}.{hint}",
            status=answer.status,
            code=self.redact(code),
            details=self.redact(details),
        )

    def _wrap(self, raw: requests.Response) -> Response:
        text = raw.text if raw.content else ""
        data: Any = None
        if text:
            try:
                data = safejson.loads(text)
            except ValueError:
                data = None
        return Response(status=raw.status_code, headers=raw.headers, data=data, text=text)

    def _message(self, text: str, repeatable: bool) -> str:
        suffix = "" if repeatable else "; it may have reached the desk, so look before sending it again"
        return self.redact(f"{self.label}: {text}{suffix}.")
