"""`GET /metrics`: the app's metrics in Prometheus's text format (404 with `METRICS_ENABLED=false`).

The numbers say how much the app is used, not by whom; still, serve the route to the scraper only (a proxy that
answers 404 for it from outside, or a network policy).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from data360_chat.observability.metrics import CONTENT_TYPE, exposition, metrics_enabled


async def metrics(request: Request) -> Response:
    """Every metric, as Prometheus scrapes them."""
    if not metrics_enabled():
        return JSONResponse({"error": "Metrics are turned off (METRICS_ENABLED=false)."}, status_code=404)
    return Response(exposition(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def metrics_routes() -> list[Route]:
    """The `/metrics` route."""
    return [Route("/metrics", metrics, methods=["GET"])]
