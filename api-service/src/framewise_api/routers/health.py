import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from framewise_api.dependencies import ContainerDep
from framewise_api.problems import RETRY_AFTER_DOWN_S, errors

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses=errors(503))
async def readyz(request: Request, container: ContainerDep) -> JSONResponse:
    """Readiness: PostgreSQL and Valkey both answer. A 503 names the one that does not."""
    checks: dict[str, str] = {}
    for name, check in (("postgres", container.check_database), ("valkey", container.check_valkey)):
        try:
            await check()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready; the reason is reported
            checks[name] = f"down: {type(exc).__name__}"
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        body = {
            "type": "https://framewise.dev/problems/service-unavailable",
            "title": "Service Unavailable",
            "status": 503,
            "detail": f"not ready: {', '.join(down)} unreachable",
            "instance": request.url.path,
            "checks": checks,
        }
        headers = {"Retry-After": str(RETRY_AFTER_DOWN_S)}
        return JSONResponse(body, status_code=503, media_type="application/problem+json", headers=headers)
    return JSONResponse({"status": "ok", "checks": checks})


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    # In a thread: the queue collector reads Valkey synchronously while Prometheus scrapes.
    return Response(await asyncio.to_thread(generate_latest), media_type=CONTENT_TYPE_LATEST)
