"""GET /metrics: Prometheus exposition of the API's own metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.cms_api.deps import MetricsDep

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    response_model=None,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def read_metrics(metrics: MetricsDep) -> Response:
    """Export the relay counters and socket gauge in Prometheus text format."""
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
