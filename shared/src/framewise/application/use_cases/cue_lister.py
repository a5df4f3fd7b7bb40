from framewise.application.ports import ArtifactQueries, VideoQueries
from framewise.application.results import ArtifactFilter
from framewise.application.use_cases.video_media import Cue, playable_video
from framewise.domain.ids import VideoId
from framewise.domain.payloads import ArtifactType

MAX_CUES = 100_000


class CueLister:
    """Captions (transcript segments, each with its speaker when known) or chapters (scenes) of a
    video, in time order."""

    def __init__(self, videos: VideoQueries, artifacts: ArtifactQueries) -> None:
        self._videos, self._artifacts = videos, artifacts

    async def execute(self, video_id: VideoId, kind: ArtifactType) -> list[Cue]:
        if kind not in (ArtifactType.TRANSCRIPT_SEGMENT, ArtifactType.SCENE):
            raise ValueError("cues come from transcript segments or scenes")
        await playable_video(self._videos, video_id)
        page = await self._artifacts.list_artifacts(
            ArtifactFilter(video_id=video_id, artifact_type=kind, limit=MAX_CUES)
        )
        cues = []
        for artifact in page.items:
            payload = artifact.payload
            if kind is ArtifactType.SCENE:
                text = f"Scene {int(payload['scene_index']) + 1}"  # type: ignore[arg-type]
            else:
                text = str(payload.get("text", "")).strip()
            if text and artifact.span_end_ms > artifact.span_start_ms:
                voice = artifact.speaker.label if artifact.speaker is not None else None
                cues.append(Cue(artifact.span_start_ms, artifact.span_end_ms, text, voice))
        return sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
