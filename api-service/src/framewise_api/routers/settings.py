"""Analysis settings in layers (the library's, a root's or folder's, a video's): what each analysis
runs with. Stored layers apply to tasks created from then on; a re-index runs existing ones again."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from framewise.application.use_cases.analysis_settings_lister import AnalysisSettingsLister
from framewise.application.use_cases.analysis_settings_remover import AnalysisSettingsRemover
from framewise.application.use_cases.analysis_settings_saver import AnalysisSettingsSaver, SaveSettings
from framewise.application.use_cases.video_settings_reader import VideoSettingsReader
from framewise.domain.analysis_settings import Scope
from framewise.domain.ids import VideoId
from framewise_api.dependencies import ContainerDep, known_video
from framewise_api.problems import errors
from framewise_api.schemas.settings import FolderSettingsIn, LayerOut, LayersOut, SettingsIn, VideoSettingsOut
from framewise_api.security import require_caller

router = APIRouter(tags=["settings"], dependencies=[Depends(require_caller)], responses=errors(503))


def _saver(c: ContainerDep) -> AnalysisSettingsSaver:
    return c.analysis_settings_saver()


def _remover(c: ContainerDep) -> AnalysisSettingsRemover:
    return c.analysis_settings_remover()


def _lister(c: ContainerDep) -> AnalysisSettingsLister:
    return c.analysis_settings_lister()


def _reader(c: ContainerDep) -> VideoSettingsReader:
    return c.video_settings_reader()


Saver = Annotated[AnalysisSettingsSaver, Depends(_saver)]
Remover = Annotated[AnalysisSettingsRemover, Depends(_remover)]
Reader = Annotated[VideoSettingsReader, Depends(_reader)]
FolderQuery = Annotated[str, Query(min_length=1, max_length=4096, description="the folder the layer is for")]
SAVE_ERRORS = errors(422, 503)  # 422: a key a model refuses (named); 503: the ML service cannot check now


@router.get("/api/v1/settings")
async def list_settings(lister: Annotated[AnalysisSettingsLister, Depends(_lister)]) -> LayersOut:
    """Every stored layer, weakest first: the library's, then roots and folders from the shallowest,
    then videos. Missing keys are the models' own defaults."""
    return LayersOut(items=[LayerOut.of(layer) for layer in await lister.execute()])


@router.put("/api/v1/settings/library", responses=SAVE_ERRORS)
async def put_library_settings(body: SettingsIn, saver: Saver) -> LayerOut:
    """The library's layer (the weakest one stored): replaced as a whole."""
    return LayerOut.of(await saver.execute(SaveSettings(Scope.LIBRARY, body.analyses)))


@router.delete("/api/v1/settings/library", status_code=204, responses=errors(404))
async def delete_library_settings(remover: Remover) -> Response:
    await remover.execute(Scope.LIBRARY)
    return Response(status_code=204)


@router.put("/api/v1/settings/folders", responses={**SAVE_ERRORS, **errors(403, 404)})
async def put_folder_settings(body: FolderSettingsIn, saver: Saver) -> LayerOut:
    """A media root's or folder's layer (replaced as a whole): it applies to every video under it;
    a deeper folder's keys win over a shallower one's."""
    return LayerOut.of(await saver.execute(SaveSettings(Scope.FOLDER, body.analyses, folder=body.folder)))


@router.delete("/api/v1/settings/folders", status_code=204, responses=errors(403, 404))
async def delete_folder_settings(folder: FolderQuery, remover: Remover) -> Response:
    await remover.execute(Scope.FOLDER, folder=folder)
    return Response(status_code=204)


video_router = APIRouter(
    prefix="/api/v1/videos/{video_id}",
    tags=["settings"],
    dependencies=[Depends(require_caller), Depends(known_video)],
    responses=errors(404, 503),
)


@video_router.get("/settings")
async def get_video_settings(video_id: UUID, reader: Reader) -> VideoSettingsOut:
    """What each analysis of this video runs with under today's settings, the layer each key came
    from, and whether that differs from what its task ran with (a re-index would run it again)."""
    return VideoSettingsOut.of(video_id, await reader.execute(VideoId(video_id)))


@video_router.put("/settings", responses=SAVE_ERRORS)
async def put_video_settings(video_id: UUID, body: SettingsIn, saver: Saver) -> LayerOut:
    """The video's own layer (the strongest stored one), replaced as a whole."""
    return LayerOut.of(await saver.execute(SaveSettings(Scope.VIDEO, body.analyses, video_id=VideoId(video_id))))


@video_router.delete("/settings", status_code=204)
async def delete_video_settings(video_id: UUID, remover: Remover) -> Response:
    await remover.execute(Scope.VIDEO, video_id=VideoId(video_id))
    return Response(status_code=204)
