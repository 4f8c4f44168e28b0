"""One requests session per app with the loop's single retry policy, call counting and secret-free errors."""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

# Connection errors, lock conflicts, rate limits and server faults are worth another try; nothing else is.
RETRY_STATUSES = frozenset({409, 429, *range(500, 600)})
# (connect, read) seconds: an export page of 1000 tickets can take a while to render.
TIMEOUT = (10, 120)
UNSAFE_METHODS = frozenset({"POST", "PATCH"})


@dataclass
class CallStats:
    """HTTP requests one client sent, retries included: reported as materialization metadata."""

    calls: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, *, calls: int = 0, retries: int = 0) -> None:
        """Add calls and retries; safe from the several threads that send a sync's requests."""
        with self._lock:
            self.calls += calls
            self.retries += retries


class AppError(Exception):
    """An app refused a request or stayed unreachable; `message` is the app's own error text."""

    def __init__(self, app: str, status: int | None, message: str, *, request: str) -> None:
        self.app = app
        self.status = status
        self.message = message
        self.request = request
        super().__init__(self.describe())

    def describe(self) -> str:
        """The exception text: app, request, status and the app's message."""
        if self.status is None:
            return f"{self.app} {self.request} failed: {self.message}"
        return f"{self.app} {self.request} failed (HTTP {self.status}: {self.message})"


class AppAuthError(AppError):
    """The app rejected the credentials (401/403); the text says which settings to change."""

    def __init__(self, app: str, status: int, message: str, *, request: str, hint: str) -> None:
        self.hint = hint
        super().__init__(app, status, message, request=request)

    def describe(self) -> str:
        """The exception text: app, status, the app's message and the settings to change."""
        return f"{self.app} rejected the credentials (HTTP {self.status}: {self.message}). {self.hint}"


def backoff_delay(retry_number: int, base: float, cap: float) -> float:
    """Seconds before retry `retry_number` (1-based): base x 2^(n-1), capped, with jitter down to half."""
    return min(cap, base * 2 ** (retry_number - 1)) * random.uniform(0.5, 1.0)


class AppRetry(Retry):
    """urllib3 Retry with the loop's backoff (never shorter than Retry-After) that counts retries in `stats`."""

    def __init__(self, *args, stats: CallStats, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stats = stats

    def new(self, **kw) -> AppRetry:
        """The next Retry in the chain, counting into the same stats."""
        return super().new(stats=self.stats, **kw)

    def is_retryable_response(self, response) -> bool:
        """Whether this error response deserves another try; apps with retry hints override it."""
        return response.status in RETRY_STATUSES

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        """Count one retry, or give up at once on a response that no retry can fix."""
        if response is not None and not self.is_retryable_response(response):
            # raise_on_status=False makes urllib3 hand this response back instead of raising.
            raise MaxRetryError(_pool, url, ResponseError(f"HTTP {response.status} is not retryable"))
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        self.stats.count(calls=1, retries=1)
        return retry

    def get_backoff_time(self) -> float:
        """The shared backoff for the retry about to happen."""
        return backoff_delay(len(self.history), self.backoff_factor, self.backoff_max)

    def sleep(self, response=None) -> None:
        """Wait the backoff, or the server's Retry-After when that is longer."""
        retry_after = self.get_retry_after(response) if response is not None else None
        time.sleep(max(self.get_backoff_time(), retry_after or 0.0))


class AppSession:
    """A pooled requests.Session for one app: retries per the shared policy, raises AppError, counts calls.

    Every verb is retried, so a POST or PATCH must be safe to resend: it carries an `Idempotency-Key`
    header, or the caller passes `idempotent=True` (e.g. Segment calls de-duplicated by messageId).
    """

    def __init__(
        self,
        app: str,
        base_url: str,
        *,
        auth: tuple[str, str] | None = None,
        headers: dict | None = None,
        max_retries: int = 8,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        auth_hint: str = "Check the app's credentials in the environment.",
        retry_policy: type[AppRetry] = AppRetry,
    ) -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.auth_hint = auth_hint
        self.stats = CallStats()
        self._secrets = _secrets_of(auth, headers or {})
        retry = retry_policy(
            total=max_retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,
            backoff_factor=backoff_base,
            backoff_max=backoff_cap,
            raise_on_status=False,
            respect_retry_after_header=True,
            stats=self.stats,
        )
        self._session = requests.Session()
        self._session.auth = auth
        self._session.headers.update(headers or {})
        adapter = HTTPAdapter(max_retries=retry)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._settle_environment()

    def _settle_environment(self) -> None:
        """Read the proxy, NO_PROXY and CA-bundle variables once, for the app's one host, with requests' own
        rules. A session trusting the environment reads them again on every request (nearly a millisecond here,
        almost half the client's CPU per Stripe call), and its ~/.netrc lookup would replace Stripe's Bearer key."""
        settings = self._session.merge_environment_settings(self.base_url, {}, None, None, None)
        self._session.proxies, self._session.verify = settings["proxies"], settings["verify"]
        self._session.trust_env = False

    def url(self, path_or_url: str) -> str:
        """An absolute URL: paths are joined to base_url, absolute URLs pass through."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    def request(self, method: str, path_or_url: str, *, idempotent: bool = False, **kwargs) -> Any:
        """Send one request with retries; return a successful response's JSON body, read whole and parsed once
        (None when the answer has no body). A success with a body that is not JSON raises AppError."""
        method = method.upper()
        headers = kwargs.get("headers") or {}
        if method in UNSAFE_METHODS and "Idempotency-Key" not in headers and not idempotent:
            raise ValueError(f"{self.app} {method} {path_or_url} would be retried without an Idempotency-Key: "
                             "send one, or pass idempotent=True when resending the body is harmless")
        url = self.url(path_or_url)
        described = f"{method} {urlsplit(url).path}"
        kwargs.setdefault("timeout", TIMEOUT)
        body_retries = 0
        while True:
            self.stats.count(calls=1)
            try:
                response = self._session.request(method, url, **kwargs)
                is_json = "json" in response.headers.get("Content-Type", "")
                # A body cut short fails to parse: parsing here lets it be retried like a broken read.
                body = response.json() if response.ok and is_json else None
            except requests.RequestException as exc:
                if not _failed_while_reading_body(exc) or body_retries == self.max_retries:
                    raise AppError(self.app, None, self._redact(str(exc)), request=described) from None
                # urllib3 cannot see a body cut short (it streams the body after its retry loop).
                body_retries += 1
                self.stats.count(retries=1)
                log.warning("%s %s: response body cut short (%s); retrying", self.app, described, type(exc).__name__)
                time.sleep(backoff_delay(body_retries, self.backoff_base, self.backoff_cap))
                continue
            if response.ok and not is_json and response.content:
                raise self._not_json(response, described)
            if response.ok:
                return body
            raise self._error_for(response, described)

    def _error_for(self, response: requests.Response, described: str) -> AppError:
        message = self._redact(_error_message(response))
        if response.status_code in (401, 403):
            return AppAuthError(self.app, response.status_code, message, request=described, hint=self.auth_hint)
        return AppError(self.app, response.status_code, message, request=described)

    def _not_json(self, response: requests.Response, described: str) -> AppError:
        """A success whose body is not JSON (a proxy's or a login page, a wrong base URL): nothing to parse."""
        content_type = response.headers.get("Content-Type") or "no Content-Type"
        message = (f"the answer is {content_type}, not JSON: {response.text.strip()[:200]!r}. "
                   f"Check the app's base URL ({self.base_url}) and any proxy between.")
        return AppError(self.app, response.status_code, self._redact(message), request=described)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def _secrets_of(auth: tuple[str, str] | None, headers: dict) -> list[str]:
    """Every form a credential may take in an echoed request: raw, Basic-encoded, or a Bearer header."""
    secrets = []
    if auth:
        user, password = auth
        # Zendesk's secret is the token (the password); Segment's write key is the user, password empty.
        secrets += [password or user, base64.b64encode(f"{user}:{password}".encode()).decode()]
    for name, value in headers.items():
        if name.lower() == "authorization":
            secrets += [value, value.split()[-1]]
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def _failed_while_reading_body(exc: requests.RequestException) -> bool:
    """True when the status line arrived but the body broke off, as opposed to urllib3 giving up."""
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return True
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        return not (exc.args and isinstance(exc.args[0], MaxRetryError))
    return False


def _error_message(response: requests.Response) -> str:
    """The app's own error text: Stripe's error.message, Zendesk's error + description, else the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason or "no error text"
    if not isinstance(body, dict):
        return json.dumps(body)[:300]
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("title") or json.dumps(error)[:300])
    if isinstance(error, str):
        details = body.get("details")
        text = f"{error}: {body['description']}" if body.get("description") else error
        return f"{text} {json.dumps(details)[:300]}" if details else text
    return str(body.get("message") or json.dumps(body)[:300])
