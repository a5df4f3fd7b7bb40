"""The installation at a glance for its operator, and a reload of the ML service's models."""

from typing import Annotated

from fastapi import APIRouter, Depends

from framewise.application.use_cases.system_describer import SystemDescriber
from framewise_api.dependencies import ContainerDep, MlStatus
from framewise_api.problems import errors
from framewise_api.schemas.system import ReloadOut, SystemOut
from framewise_api.security import require_caller

router = APIRouter(
    prefix="/api/v1/system", tags=["system"], dependencies=[Depends(require_caller)], responses=errors(503)
)


def system_describer(c: ContainerDep) -> SystemDescriber:
    return c.system_describer()


@router.get("")
async def describe_system(describer: Annotated[SystemDescriber, Depends(system_describer)]) -> SystemOut:
    """The ML service's models (state, and why one is not ready: the missing weights file), device
    and GPU gate; the depth of each queue; the tasks by status and type, and how many wait for a
    model. An ML service that is not configured or does not answer is reported, not an error."""
    return SystemOut.of(await describer.execute())


@router.post("/models/reload")
async def reload_models(ml: MlStatus) -> ReloadOut:
    """Have the ML service load the weights that arrived in its model cache since it started (a
    model that lacked them, or the preferred objects or places model), without a restart. It also
    notices them by itself within seconds of being asked about its models; this does it now. The
    answer lists each model looked at, before and after."""
    return ReloadOut.of(await ml.reload())
