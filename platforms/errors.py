"""The one error hierarchy of cartgraph, grouped by what a caller should do about it."""

from __future__ import annotations

from typing import Any


class CartgraphError(Exception):
    """Base of every error cartgraph raises on purpose.

    Carries where it happened (store, platform, operation, external id) and what the
    platform said in safe terms (HTTP status, retry-after, request id). Never a
    response body, never a credential: messages are written by us, not echoed.
    """

    code: str = "INTERNAL"
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        store_id: str | None = None,
        platform: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        operation: str | None = None,
        external_id: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.store_id = store_id
        self.platform = platform
        self.status = status
        self.retry_after = retry_after
        self.operation = operation
        self.external_id = external_id
        self.request_id = request_id

    def extensions(self) -> dict[str, Any]:
        """GraphQL `extensions` for this error: machine-readable, secret-free."""
        ext: dict[str, Any] = {"code": self.code, "retryable": self.retryable}
        for key, value in (
            ("storeId", self.store_id),
            ("platform", self.platform),
            ("status", self.status),
            ("retryAfter", self.retry_after),
            ("operation", self.operation),
            ("externalId", self.external_id),
            ("requestId", self.request_id),
        ):
            if value is not None:
                ext[key] = value
        return ext

    def __str__(self) -> str:
        where = "/".join(p for p in (self.platform, self.store_id) if p)
        return f"{self.message} [{where}]" if where else self.message


# --- Retry: the same request may succeed later. ---------------------------------------


class RetryableError(CartgraphError):
    """A transient failure: retry with backoff (honouring `retry_after` when set)."""

    code = "UPSTREAM_TRANSIENT"
    retryable = True


class RateLimitedError(RetryableError):
    """The platform answered 429 or reported an exhausted budget."""

    code = "RATE_LIMITED"


class UpstreamUnavailableError(RetryableError):
    """The platform answered 5xx."""

    code = "UPSTREAM_UNAVAILABLE"


class UpstreamTimeoutError(RetryableError):
    """No complete answer within the configured timeout."""

    code = "UPSTREAM_TIMEOUT"


class UpstreamConnectionError(RetryableError):
    """The connection failed or was dropped before an answer arrived."""

    code = "UPSTREAM_CONNECTION"


class RequestReplayedError(RetryableError):
    """The platform refused a request as a replay of one it already received (an OAuth 1.0a
    nonce used twice). That first copy may have been applied: a write is in doubt, so it is
    reconciled; a fresh signature makes the next attempt acceptable."""

    code = "UPSTREAM_REPLAY_REFUSED"


# --- Re-auth: nothing changes until someone fixes the credentials. --------------------


class ReauthError(CartgraphError):
    """Credentials are missing, wrong, revoked or lack a scope: fix them, do not retry."""

    code = "AUTHENTICATION_FAILED"


class AuthenticationError(ReauthError):
    """The platform rejected the credentials (401)."""


class PermissionDeniedError(ReauthError):
    """The credentials are valid but lack the scope for this call (403)."""

    code = "PERMISSION_DENIED"


# --- Fail: the request itself is wrong, retrying will not help. -----------------------


class PermanentError(CartgraphError):
    """The request cannot succeed as sent."""

    code = "UPSTREAM_REJECTED"


class NotFoundError(PermanentError):
    """The object or route does not exist on the platform."""

    code = "NOT_FOUND"


class UpstreamValidationError(PermanentError):
    """The platform rejected the request's content (400/422)."""

    code = "UPSTREAM_VALIDATION"


class UnsupportedOnPlatformError(PermanentError):
    """The platform has no API for this operation."""

    code = "UNSUPPORTED_ON_PLATFORM"


class PayloadError(PermanentError):
    """The platform answered with a payload we could not map (shape or type)."""

    code = "UPSTREAM_PAYLOAD_INVALID"


class InvalidInputError(PermanentError):
    """The caller's input is invalid (bad id, bad cursor, out-of-range argument)."""

    code = "BAD_USER_INPUT"


class StoreNotFoundError(InvalidInputError):
    """The store is not configured or not visible to the caller."""

    code = "STORE_NOT_FOUND"


class ConfigError(CartgraphError):
    """The gateway configuration is invalid; raised at start-up, naming the bad key."""

    code = "CONFIG_INVALID"


def error_for_status(
    status: int, message: str, *, retry_after: float | None = None, **where: Any
) -> CartgraphError:
    """The hierarchy's error for an HTTP status; platform classifiers build on this."""
    cls: type[CartgraphError]
    if status == 429:
        cls = RateLimitedError
    elif status >= 500:
        cls = UpstreamUnavailableError
    elif status == 401:
        cls = AuthenticationError
    elif status == 403:
        cls = PermissionDeniedError
    elif status == 404:
        cls = NotFoundError
    elif status in (400, 409, 422):
        cls = UpstreamValidationError
    else:
        cls = PermanentError
    return cls(message, status=status, retry_after=retry_after, **where)
