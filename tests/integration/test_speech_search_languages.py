"""Search in each language, from speech to hit, through the real parts: videos with espeak-ng speech
in French, German, Spanish and English, each in a folder whose settings say its language; discovery
and the API on PostgreSQL and Valkey, the real transcription model (Whisper base on faster-whisper)
served over HTTP, and the worker's task runner completing each transcription, whose moments are
indexed in the language of their transcript.

What each asserts is what PostgreSQL's stemmer of that language joins, and the English one does not:
French `municipaux` finds the spoken `municipales`, German `Bibliothek` the spoken `Bibliotheken`,
Spanish `carretera` the spoken `carreteras`; a misspelt word finds the close spelling; a quoted
phrase matches its words in that order only; `-word` excludes; `lang` narrows to one language.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.httpx_ml_client import HttpxMlClient
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.media import Segment, make_sample_video
from framewise_ml.main import create_app
from framewise_ml.models.base import ModelContext
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.models.transcribe import TranscribeModel
from framewise_ml.settings import MlSettings
from tests.api import api_client
from tests.served import Served
from tests.tools import require_tool

pytestmark = pytest.mark.integration
ML_TOKEN = "ml-token-for-the-language-search-tests"
# The folder (whose settings name its language), the espeak-ng voice, and what is said: sentences
# Whisper base hears well enough through espeak-ng's accent in the words these tests search for.
SPOKEN = {
    "fr": ("fr", "Les élections municipales auront lieu dimanche."),
    "de": ("de", "Die neuen Bibliotheken der Stadt öffnen am Montag."),
    "es": ("es", "Los trabajadores construyen nuevas carreteras en el norte."),
    "en": ("en-us", "The council is renovating the old libraries downtown."),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_tool("espeak-ng")
    folder = tmp_path_factory.mktemp("spoken")
    made = {}
    for language, (voice, text) in SPOKEN.items():
        segments = [Segment(6.0, (30, 60, 120), language.upper())]
        video = make_sample_video(folder / f"{language}.mp4", segments=segments, speech=text, voice=voice)
        assert video.speech is not None
        made[language] = video.path
    return made


@pytest.fixture
def ml(media_root: Path, valkey_url: str, model_cache: Path) -> Iterator[Served]:
    settings = MlSettings(media_roots=[str(media_root)], valkey_url=valkey_url, ml_token=ML_TOKEN)
    registry = ModelRegistry([TranscribeModel(ModelContext(model_cache))], device={"device": "cpu"})
    with Served(create_app(settings, registry)) as served:
        yield served


@pytest.fixture
def api(
    engine: AsyncEngine, redis: Redis, database_url: str, valkey_url: str, media_root: Path, ml: Served
) -> Iterator[TestClient]:
    # The ML service checks each folder's settings (`/configs`), so the API knows it.
    with api_client(database_url, valkey_url, media_root, ml_service_url=ml.url, ml_token=ML_TOKEN) as client:
        yield client


@pytest.fixture
async def runner(engine: AsyncEngine, redis: Redis, media_root: Path, ml: Served) -> AsyncIterator[TaskRunner]:
    headers = {"Authorization": f"Bearer {ML_TOKEN}"}
    async with httpx.AsyncClient(base_url=ml.url, timeout=300, headers=headers) as client:
        sessions = session_factory(engine)
        yield TaskRunner(
            SqlUnitOfWork(sessions),
            HttpxMlClient(client, RetryPolicy()),
            KeptResults(redis),
            LocalMediaLibrary([str(media_root)]),
            SystemClock(),
            SqlHeartbeats(sessions),
            RetryPolicy(),
        )


async def index_speech(api: TestClient, runner: TaskRunner, media_root: Path, clips: dict[str, Path]) -> None:
    """Each clip in the folder of its language, that folder's settings naming it; then every
    transcription task run to the end."""
    for language, clip in clips.items():
        (media_root / language).mkdir()
        (media_root / language / "talk.mp4").write_bytes(clip.read_bytes())
        body = {"folder": language, "analyses": {"transcription": {"language": language}}}
        assert api.put("/api/v1/settings/folders", json=body).status_code == 200
    assert api.post("/api/v1/paths/discover").status_code == 200
    tasks = api.get("/api/v1/tasks", params={"task_type": "transcription", "limit": 100}).json()["items"]
    assert len(tasks) == len(clips)
    for task in tasks:
        command = RunTask(TaskId(UUID(task["id"])), task["attempt"] or 1, TaskType.TRANSCRIPTION)
        for _ in range(20):
            report = await runner.execute(command)
            if report.outcome is not RunOutcome.CONTINUE:
                break
        assert report.outcome is RunOutcome.COMPLETED, report


def found(api: TestClient, q: str, **params: Any) -> set[str]:
    """The folders (languages) of the videos whose speech the query finds."""
    answer = api.get("/api/v1/search", params={"q": q, "types": "transcript", "limit": 100, **params})
    assert answer.status_code == 200, answer.text
    return {hit["video_path"].split("/")[0] for hit in answer.json()["items"]}


async def test_speech_is_found_in_its_own_language_forgivingly_and_by_phrase(
    api: TestClient, runner: TaskRunner, media_root: Path, clips: dict[str, Path]
) -> None:
    await index_speech(api, runner, media_root, clips)
    said = {
        hit["video_path"].split("/")[0]: hit["text"]
        for hit in api.get("/api/v1/search", params={"types": "transcript", "limit": 100}).json()["items"]
    }
    assert set(said) == set(SPOKEN), said

    # Stems, each in its own language: French joins municipaux and municipales, German Bibliothek
    # and Bibliotheken, Spanish carretera and carreteras; English stems library and libraries.
    assert found(api, "municipaux") == {"fr"}, said
    assert found(api, "Bibliothek") == {"de"}, said
    assert found(api, "carretera") == {"es"}, said
    assert found(api, "library") == {"en"}, said
    # The English stemmer alone does not join the French words.
    assert found(api, "municipaux", lang="en") == set()
    assert found(api, "municipaux", lang="fr") == {"fr"}

    # A misspelling finds the close spelling, marked as such.
    answer = api.get("/api/v1/search", params={"q": "councel", "types": "transcript"}).json()
    assert {h["video_path"].split("/")[0] for h in answer["items"]} == {"en"}, said
    assert {h["match"] for h in answer["items"]} == {"fuzzy"}

    # A phrase in quotes matches its words in that order only; -word excludes.
    assert found(api, '"nuevas carreteras"') == {"es"}
    assert found(api, '"carreteras nuevas"') == set()
    assert found(api, "carretera -norte") == set()
    assert found(api, "carretera -montag") == {"es"}

    languages = api.get("/api/v1/search/languages").json()
    assert {item["language"] for item in languages["items"]} >= set(SPOKEN), languages
