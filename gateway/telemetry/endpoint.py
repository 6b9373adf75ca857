"""`GET /metrics`: admin keys only by default (`[telemetry] metrics = "public"` opens it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.authenticator import AuthGate, bearer_token
from gateway.auth.principal import Scope
from gateway.telemetry.metrics import Metrics
from gateway.telemetry.sampler import Sampler
from gateway.telemetry.settings import MetricsAccess


def metrics_routes(
    metrics: Metrics, sampler: Sampler, auth: AuthGate, access: MetricsAccess
) -> list[Route]:
    """The `/metrics` route, or none when `access` is "off"."""
    if access == "off":
        return []

    async def scrape(request: Request) -> Response:
        if access == "admin":
            refusal = await _refusal(auth, request)
            if refusal is not None:
                return refusal
        await sampler.scrape()
        body, content_type = metrics.render()
        return Response(body, headers={"Content-Type": content_type})

    return [Route("/metrics", scrape, methods=["GET"])]


async def _refusal(auth: AuthGate, request: Request) -> Response | None:
    """401 without a valid key, 403 for a key without the admin scope, None to serve."""
    principal = await auth.principal(bearer_token(request.headers.get("authorization")))
    if principal is None:
        challenge = {"WWW-Authenticate": 'Bearer realm="cartgraph"'}
        return _error(401, "UNAUTHENTICATED", "A valid credential is required", challenge)
    if not principal.has(Scope.ADMIN):
        return _error(403, "FORBIDDEN", "/metrics needs a key with the admin scope")
    return None


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The gateway's error shape (as `gateway.auth.guard.error_response`)."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status, headers=headers)
