from fastapi import APIRouter, Depends

from framewise_api.dependencies import ContainerDep, CorrelationId
from framewise_api.problems import PROBLEM_RESPONSES
from framewise_api.schemas.paths import DiscoveryOut, PathsOut
from framewise_api.security import require_caller

router = APIRouter(
    prefix="/api/v1/paths", tags=["paths"], dependencies=[Depends(require_caller)], responses=PROBLEM_RESPONSES
)


@router.get("")
async def list_paths(container: ContainerDep) -> PathsOut:
    """The configured media roots."""
    return PathsOut(roots=container.roots)


@router.post("/discover")
async def discover_paths(container: ContainerDep, correlation_id: CorrelationId) -> DiscoveryOut:
    """Scan every media root now: register new and changed videos and queue their six tasks. Waits
    for a scan already running (there is never more than one) and then scans."""
    return DiscoveryOut.of(await container.discovery.scan("request", correlation_id))
