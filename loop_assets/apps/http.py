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
from urllib.parse import urlencode, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse, HTTPConnectionPool, Timeout
from urllib3.exceptions import HTTPError, MaxRetryError, ResponseError
from urllib3.util import make_headers
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

# Connection errors, lock conflicts, rate limits and server faults are worth another try; nothing else is.
RETRY_STATUSES = frozenset({409, 429, *range(500, 600)})
# An export page of 1000 tickets can take a while to render.
TIMEOUT = Timeout(connect=10, read=120)
POOL_SIZE = 10  # connections kept per app: the widest sync has 8 requests under way
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
    """One app's pooled connections: retries per the shared policy, raises AppError, counts calls.

    Requests are sent by urllib3 on a pool that requests sets up once (proxies, NO_PROXY, CA bundle): a
    requests.Session costs about as much CPU again per call in merging settings, cookies and hooks, and the
    Stripe sync's thousands of calls a minute are bound by that CPU.

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
        self.auth_hint = auth_hint
        self.stats = CallStats()
        self._secrets = _secrets_of(auth, headers or {})
        self._retry = retry_policy(
            total=max_retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,
            backoff_factor=backoff_base,
            backoff_max=backoff_cap,
            raise_on_status=False,
            respect_retry_after_header=True,
            stats=self.stats,
        )
        basic = {"Authorization": make_headers(basic_auth=":".join(auth))["authorization"]} if auth else {}
        self._headers = {**requests.utils.default_headers(), **basic, **(headers or {})}
        self._origin = urlsplit(self.base_url)[:2]
        self._pool, self._whole_urls = _connect(self.base_url)

    def url(self, path_or_url: str) -> str:
        """An absolute URL: paths are joined to base_url, absolute URLs pass through."""
        if urlsplit(path_or_url).scheme:
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    def request(self, method: str, path_or_url: str, *, idempotent: bool = False, params: dict | None = None,
                data: dict | bytes | None = None, json: Any = None, headers: dict | None = None) -> Any:
        """Send one request with retries; return a successful response's JSON body, read whole and parsed once
        (None when the answer has no body). A success with a body that is not JSON raises AppError.

        `params` join the query, `data` is a form (dict) or a body as is (bytes), `json` a JSON body."""
        method = method.upper()
        headers = {**self._headers, **(headers or {})}
        if method in UNSAFE_METHODS and "Idempotency-Key" not in headers and not idempotent:
            raise ValueError(f"{self.app} {method} {path_or_url} would be retried without an Idempotency-Key: "
                             "send one, or pass idempotent=True when resending the body is harmless")
        url = self.url(path_or_url)
        parts = urlsplit(url)
        if parts[:2] != self._origin:
            raise ValueError(f"{self.app}: {parts.scheme}://{parts.netloc} is not the app's host ({self.base_url})")
        described = f"{method} {parts.path}"
        query = "&".join(q for q in (parts.query, _query(params)) if q)
        target = (parts._replace(query=query, fragment="").geturl() if self._whole_urls
                  else parts.path + (f"?{query}" if query else ""))
        body = _body(data, json, headers)
        self.stats.count(calls=1)
        try:
            # The body is read within urllib3's retry loop (preload_content), so one cut short is retried too.
            response = self._pool.urlopen(method, target, body=body, headers=headers, retries=self._retry,
                                          timeout=TIMEOUT, redirect=False, assert_same_host=False,
                                          preload_content=True)
        except (HTTPError, OSError) as exc:
            raise AppError(self.app, None, self._redact(str(exc)), request=described) from None
        if not 200 <= response.status < 300:
            raise self._error_for(response, described)
        return self._parsed(response, described)

    def _parsed(self, response: BaseHTTPResponse, described: str) -> Any:
        """A success's JSON body, None if it has no body."""
        if not response.data:
            return None
        if "json" not in response.headers.get("Content-Type", ""):
            raise self._not_json(response, described)
        try:
            return json.loads(response.data)
        except ValueError as exc:
            raise self._not_json(response, described, why=f"not valid JSON ({exc})") from None

    def _error_for(self, response: BaseHTTPResponse, described: str) -> AppError:
        message = self._redact(_error_message(response))
        if response.status in (401, 403):
            return AppAuthError(self.app, response.status, message, request=described, hint=self.auth_hint)
        return AppError(self.app, response.status, message, request=described)

    def _not_json(self, response: BaseHTTPResponse, described: str, why: str = "") -> AppError:
        """A success whose body is not JSON (a proxy's or a login page, a wrong base URL): nothing to parse."""
        content_type = response.headers.get("Content-Type") or "no Content-Type"
        text = response.data.decode(errors="replace").strip()[:200]
        message = (f"the answer is {content_type}, {why or 'not JSON'}: {text!r}. "
                   f"Check the app's base URL ({self.base_url}) and any proxy between.")
        return AppError(self.app, response.status, self._redact(message), request=described)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def _connect(base_url: str) -> tuple[HTTPConnectionPool, bool]:
    """The pool of connections to the app's host, set up once by requests' own rules for the proxy, NO_PROXY
    and CA-bundle variables (requests reads them on every call, and its ~/.netrc lookup would replace Stripe's
    Bearer key); and whether request lines carry the whole URL, as a plain-HTTP proxy needs."""
    with requests.Session() as session:
        settings = session.merge_environment_settings(base_url, {}, None, None, None)
    adapter = HTTPAdapter(pool_maxsize=POOL_SIZE)
    request = requests.Request("GET", base_url).prepare()
    pool = adapter.get_connection_with_tls_context(request, settings["verify"], proxies=settings["proxies"])
    adapter.cert_verify(pool, base_url, settings["verify"], None)
    return pool, not adapter.request_url(request, settings["proxies"]).startswith("/")


def _query(params: dict | None) -> str:
    """Query parameters as requests encodes them: lists repeat the key, None leaves the parameter out."""
    return urlencode({k: v for k, v in (params or {}).items() if v is not None}, doseq=True)


def _body(data: dict | bytes | None, document: Any, headers: dict) -> bytes | None:
    """The request body, with the Content-Type it needs unless the caller set one."""
    if document is not None:
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(document, allow_nan=False).encode()
    if isinstance(data, dict):
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode(data).encode()
    return data


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


def _error_message(response: BaseHTTPResponse) -> str:
    """The app's own error text: Stripe's error.message, Zendesk's error + description, else the body."""
    if 300 <= response.status < 400:  # an API does not redirect its calls: the base URL is wrong
        return f"redirected to {response.headers.get('Location')}; check the app's base URL"
    try:
        body = json.loads(response.data)
    except ValueError:
        return response.data.decode(errors="replace").strip()[:300] or response.reason or "no error text"
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
