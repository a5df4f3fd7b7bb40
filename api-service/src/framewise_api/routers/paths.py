from fastapi import APIRouter, Depends

from framewise_api.dependencies import ContainerDep, CorrelationId, rate_limit
from framewise_api.problems import errors
from framewise_api.schemas.paths import DiscoveryOut, PathsOut, ScanIn
from framewise_api.security import require_caller

router = APIRouter(prefix="/api/v1/paths", tags=["paths"], dependencies=[Depends(require_caller)])


@router.get("")
async def list_paths(container: ContainerDep) -> PathsOut:
    """The configured media roots and how discovery follows them."""
    s = container.settings
    return PathsOut(
        roots=container.roots,
        upload_dir=str(container.uploads.folder),
        watch=container.discovery.watch_mode,
        watcher_changes=container.discovery.watcher_changes,
        discovery_interval_s=s.discovery_interval_s,
        settle_s=s.discovery_settle_s,
    )


@router.post("", dependencies=[rate_limit("discover")], responses=errors(403, 404, 429, 503))
async def scan_path(body: ScanIn, container: ContainerDep, correlation_id: CorrelationId) -> DiscoveryOut:
    """Scan one folder inside the media roots now (absolute, or relative to the first root): the
    quick way to pick up a folder just copied into a large library. A folder outside every root
    gets 403 (symlinks are resolved first), a missing one 404."""
    return DiscoveryOut.of(await container.discovery.scan("request", correlation_id, folder=body.path))


@router.post("/discover", dependencies=[rate_limit("discover")], responses=errors(429, 503))
async def discover_paths(container: ContainerDep, correlation_id: CorrelationId) -> DiscoveryOut:
    """Scan every media root now: register new and changed videos and queue their six tasks. Waits
    for a scan already running (there is never more than one) and then scans."""
    return DiscoveryOut.of(await container.discovery.scan("request", correlation_id))
