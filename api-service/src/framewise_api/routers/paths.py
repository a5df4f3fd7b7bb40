from fastapi import APIRouter

from framewise_api.dependencies import ContainerDep, CorrelationId, Discoverer
from framewise_api.schemas.paths import DiscoveryOut, PathsOut

router = APIRouter(prefix="/api/v1/paths", tags=["paths"])


@router.get("")
async def list_paths(container: ContainerDep) -> PathsOut:
    """The configured media roots."""
    return PathsOut(roots=container.roots)


@router.post("/discover")
async def discover_paths(discoverer: Discoverer, correlation_id: CorrelationId) -> DiscoveryOut:
    """Scan every media root now: register new and changed videos and queue their six tasks."""
    return DiscoveryOut.of(await discoverer.execute(correlation_id))
