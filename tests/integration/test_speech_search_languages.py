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

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.domain.ids import TaskId
from framewise.domain.routing import TaskType
from framewise_dev.media import Segment, make_sample_video
from tests.tools import require_tool

pytestmark = pytest.mark.integration
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
    transcribing_api: TestClient, transcribing_runner: TaskRunner, media_root: Path, clips: dict[str, Path]
) -> None:
    api = transcribing_api
    await index_speech(api, transcribing_runner, media_root, clips)
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
