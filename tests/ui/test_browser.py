"""The web UI in a real browser (Debian's chromium, driven by Playwright; nothing downloads a
browser) against the real stack: the API serving the built UI, both workers and the ML service
behind a proxy that can fail an analysis. One journey, one stack: sign in (a wrong token first),
retry a failed task from the Work page, the library with six analyses, a spoken word searched and
played from its moment, next/previous through the hits, and an accessibility check (axe-core) of
every page. People: faces seeded into the real run's video as a completed face run places them
(generated descriptors), then the People page, a name given in place, a merge, a filter, "not this
person", and a person's appearance played in the player, whose people lane and face box carry the name.
Speakers (a stack of its own, without the ML service: transcripts with generated voices placed by the real
task runner): the transcript's and the lane's speakers, naming in place, the Speakers pages, search by
speaker. Screenshots of each page are kept (UI_SCREENSHOTS_DIR, default build/ui-screenshots;
UPDATE_SCREENSHOTS=1 copies them into docs/screenshots for the README)."""

import asyncio
import os
import random
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine

from framewise.application.face_grouping import add_faces
from framewise.application.results import RunOutcome
from framewise.application.use_cases.task_runner import RunTask, TaskRunner
from framewise.contracts.ml import InferenceResponse, Timings
from framewise.domain.faces import FaceTrack
from framewise.domain.ids import TaskId, VideoId
from framewise.domain.payloads import TranscriptSegmentV1
from framewise.domain.provenance import Provenance
from framewise.domain.retry import RetryPolicy
from framewise.domain.routing import TaskType
from framewise.domain.windows import WindowSizes
from framewise.infrastructure.clock import SystemClock
from framewise.infrastructure.media.library import LocalMediaLibrary
from framewise.infrastructure.ml.kept_results import KeptResults
from framewise.infrastructure.postgres.database import create_engine, session_factory
from framewise.infrastructure.postgres.heartbeats import SqlHeartbeats
from framewise.infrastructure.postgres.unit_of_work import SqlUnitOfWork
from framewise_dev.media import SampleVideo, Segment, make_sample_video
from framewise_dev.ui_build import UI_DIR
from tests.e2e.ml_proxy import MlProxy
from tests.e2e.processes import TOKEN, running_ml, running_stack
from tests.e2e.waits import NotYet, wait_until
from tests.fakes import FakeMlClient
from tests.tools import require_tool, requires
from tests.voices import voice

pytestmark = [pytest.mark.e2e, pytest.mark.ui]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("UI_SCREENSHOTS_DIR") or ROOT / "build" / "ui-screenshots")
AXE = UI_DIR / "node_modules" / "axe-core" / "axe.min.js"
ANALYSES = ("object_detection", "face_detection", "transcription", "ocr", "place_detection", "scene_detection")
FAST = {
    "MAX_TRIES": "1",  # a failing analysis fails at its first try
    "RETRY_BACKOFF_S": "0.2",
    "RETRY_BACKOFF_MAX_S": "1",
    "UNAVAILABLE_RECHECK_S": "2",
    "DISCOVERY_WATCH": "off",
    "DISCOVERY_SETTLE_S": "0",
}


@contextmanager
def ml_proxy(upstream: str) -> Iterator[MlProxy]:
    proxy = MlProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.close()


def tasks_of(api: httpx.Client) -> dict[str, dict[str, Any]]:
    items = api.get("/api/v1/tasks", params={"limit": 50}).json()["items"]
    return {t["task_type"]: t for t in items}


def settled(api: httpx.Client, expected: dict[str, str]) -> dict[str, dict[str, Any]]:
    tasks = tasks_of(api)
    now = {k: t["status"] for k, t in tasks.items()}
    if now != expected:
        raise NotYet(now)
    return tasks


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in found if v["impact"] in {"serious", "critical"}]


def check_page(page: Any, name: str) -> None:
    """Keep a screenshot of the page, and fail on a serious or critical accessibility violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert axe_violations(page) == [], name


@pytest.mark.timeout(600)
def test_the_web_ui_across_the_real_stack(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    model_cache: Path,
    analysis_video: SampleVideo,
    ui_dist: Path,
) -> None:
    chromium = require_tool("chromium")
    playwright = requires("playwright.sync_api", package="playwright")
    shutil.copy(analysis_video.path, media_root / "analysis.mp4")
    ml_logs = tmp_path / "ml"
    ml_logs.mkdir()
    with (
        running_ml(ml_logs, valkey_url=valkey_url, media_root=media_root, model_cache=model_cache) as (_, ml_url),
        ml_proxy(ml_url) as proxy,
    ):
        proxy.fail("/infer/scenes", 500)  # scene detection fails: the Work page retries it
        with running_stack(
            tmp_path,
            database_url=database_url,
            valkey_url=valkey_url,
            media_root=media_root,
            model_cache=model_cache,
            ml_url=proxy.url,
            env={**FAST, "UI_DIR": str(ui_dist)},
        ) as stack:
            with stack.api() as api:
                assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 6
                after_failure = {**dict.fromkeys(ANALYSES, "COMPLETED"), "scene_detection": "FAILED"}
                wait_until(lambda: settled(api, after_failure), timeout=300, message="five done, scenes failed")
                people = seed_people(api, database_url)
            proxy.heal()

            with playwright.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium)
                # bypass_csp: only so the test can inject axe-core; the app itself runs under its policy.
                context = browser.new_context(
                    base_url=stack.api_url, viewport={"width": 1280, "height": 860}, bypass_csp=True
                )
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                journey(page, stack.api_url, analysis_video, people)
                assert errors == []
                browser.close()

    if os.environ.get("UPDATE_SCREENSHOTS"):  # the README's pictures
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for shot in SHOTS.glob("*.png"):
            shutil.copy(shot, target / shot.name)


def journey(page: Any, api_url: str, video: SampleVideo, people: "SeededPeople") -> None:
    with httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as api:
        sign_in(page)
        retry_from_the_work_page(page, api)
        library_shows_six_analyses(page)
        search_and_play_the_moment(page, api)
        phrases_close_spellings_and_languages(page, api)
        step_through_the_hits(page, api, video)
        name_and_merge_people(page, api, people)
        not_this_person(page, api, people)
        a_persons_appearance_in_the_player(page, api, people)
        provenance_and_sign_out(page)


def sign_in(page: Any) -> None:
    """Keyboard only: the token field has the focus; a wrong token is refused in words."""
    page.goto("/")
    token = page.get_by_label("API token")
    token.wait_for()
    assert token.evaluate("el => el === document.activeElement")
    page.keyboard.type("not-the-token-0123456789")
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="not accepted").wait_for()
    assert page.context.cookies() == []
    check_page(page, "sign-in")
    token.fill(TOKEN)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Library").wait_for()
    (cookie,) = page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]
    assert page.evaluate("() => document.cookie") == ""  # HttpOnly: no script reads it


def retry_from_the_work_page(page: Any, api: httpx.Client) -> None:
    """The failed task with its error kind and error; retried from here, it runs again."""
    page.get_by_role("link", name="Work").click()
    page.get_by_role("heading", name="Work").wait_for()
    row = page.locator("table.tasks tbody tr")
    row.first.wait_for()
    assert row.count() == 1
    text = row.first.inner_text()
    assert "Scenes" in text and "transient" in text and "500" in text, text
    check_page(page, "work")
    page.get_by_role("button", name="Retry Scenes task").click()
    page.get_by_role("status").filter(has_text="queued again").wait_for()
    everything = dict.fromkeys(ANALYSES, "COMPLETED")
    tasks = wait_until(lambda: settled(api, everything), timeout=120, message="the retried task completed")
    assert tasks["scene_detection"]["attempt"] == 2


def library_shows_six_analyses(page: Any) -> None:
    """The sample with a thumbnail, its duration and six analyses, all completed."""
    page.get_by_role("link", name="Library").click()
    chips = page.locator("li.video ul.chips li.chip")
    chips.nth(5).wait_for()
    names = ("Scenes", "Transcript", "On-screen text", "Objects", "Faces", "Places")
    assert [c.inner_text() for c in chips.all()] == [f"{name}: completed" for name in names]
    page.wait_for_function("() => document.querySelector('li.video img')?.naturalWidth > 0")
    assert "0:14" in page.locator("li.video .meta").inner_text()
    check_page(page, "library")


def wait_playing_within(page: Any, start_ms: int, end_ms: int) -> None:
    page.wait_for_function(
        "([s, e]) => { const v = document.querySelector('video');"
        " return v && v.readyState >= 1 && v.currentTime >= s && v.currentTime < e; }",
        arg=[start_ms / 1000, end_ms / 1000],
    )


def search_and_play_the_moment(page: Any, api: httpx.Client) -> None:
    """A spoken word searched; its hit opened; the player is inside that moment."""
    page.get_by_role("link", name="Search").click()
    search = page.get_by_label("Search", exact=True)  # type=search with suggestions: a combobox
    search.fill("lazy")
    search.press("Enter")
    hits = page.locator("ol.hits a.hit")
    hits.first.wait_for()
    (expected,) = api.get("/api/v1/search", params={"q": "lazy"}).json()["items"]
    assert "lazy" in hits.first.inner_text().lower()
    check_page(page, "search")
    hits.first.click()
    page.wait_for_url("**/videos/**")
    wait_playing_within(page, expected["start_ms"], expected["end_ms"])
    assert page.locator(".timeline .lane").count() == 8  # six analyses, the people and the speakers
    active = page.locator('.transcript-list button[aria-current="true"]')
    active.wait_for()
    assert "lazy" in active.inner_text().lower()  # the transcript follows the player
    # A moment of the objects lane seeks there, and the detector's box is drawn over the picture.
    page.get_by_role("button", name="Objects: cat").first.click()
    page.locator(".boxes .box.object").filter(has_text="cat").first.wait_for()
    page.get_by_role("button", name="Object: cat").first.wait_for()  # the same, reachable by keyboard
    page.wait_for_function("() => document.querySelector('video').readyState >= 2")
    check_page(page, "video")


def phrases_close_spellings_and_languages(page: Any, api: httpx.Client) -> None:
    """A quoted phrase's hit and a misspelt word's are badged as such; the language filter offers
    the languages the speech is in and keeps speech in the one chosen."""
    page.goto("/search?q=%22lazy+dog%22")
    phrase = page.locator("ol.hits a.hit")
    phrase.first.wait_for()
    assert phrase.count() == 1 and phrase.first.locator(".badge").inner_text() == "Phrase"
    assert page.locator("ol.hits mark").first.inner_text().lower() in {"lazy", "lazy dog"}
    page.goto("/search?q=%22dog+lazy%22")  # the same words in another order: no phrase
    page.get_by_text("Nothing matches").wait_for()
    search = page.get_by_label("Search", exact=True)
    search.fill("lazzy")  # a spelling the library does not hold
    search.press("Enter")
    page.wait_for_url("**/search?q=lazzy")
    close = page.locator("ol.hits a.hit").filter(has_text="lazy")
    close.first.wait_for()
    assert close.first.locator(".badge").inner_text() == "Close spelling"
    assert page.locator("ol.hits mark").first.inner_text().lower() == "lazy"  # the word found, marked
    spoken = [item["language"] for item in api.get("/api/v1/search/languages").json()["items"]]
    assert spoken, "the transcript's language is listed"
    language = page.get_by_label("Language")
    assert language.locator("option").first.inner_text() == "Any language"
    language.select_option(spoken[0])
    search.fill("lazy")
    search.press("Enter")
    page.wait_for_url(f"**/search?q=lazy&lang={spoken[0]}")
    page.locator("ol.hits a.hit").first.wait_for()
    assert page.get_by_label("Language").input_value() == spoken[0]
    check_page(page, "search-language")


def step_through_the_hits(page: Any, api: httpx.Client, video: SampleVideo) -> None:
    """Next / previous through the hits of a search (the scenes, in library order), by button and by key."""
    scenes = api.get("/api/v1/search", params={"types": "scene", "sort": "time"}).json()["items"]
    assert len(scenes) == len(video.cut_ms()) + 1
    spans = [(s["start_ms"], s["end_ms"]) for s in scenes]
    page.goto("/search?types=scene&sort=time")
    page.locator("ol.hits a.hit").first.click()
    page.wait_for_url("**/videos/**")
    lane = page.locator('.lane[data-lane="scene"] button.moment')
    lane.nth(len(scenes) - 1).wait_for()
    assert lane.count() == len(scenes)
    wait_playing_within(page, *spans[0])
    page.locator("video").evaluate("v => v.pause()")
    page.get_by_role("button", name="Next hit").click()
    wait_playing_within(page, *spans[1])
    page.locator("body").press("n")  # the keyboard shortcut
    wait_playing_within(page, *spans[2])
    assert f"t={spans[2][0] / 1000:.3f}" in page.url  # the position lives in the address
    page.locator("body").press("p")
    wait_playing_within(page, *spans[1])


def provenance_and_sign_out(page: Any) -> None:
    page.locator('.lane[data-lane="scene"] button.moment').first.click()
    page.get_by_role("button", name="Show provenance").click()
    page.locator("dl.provenance").wait_for()
    assert "run_id" in page.locator("dl.provenance").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API token").wait_for()
    assert page.context.cookies() == []


# ------------------------------------------------------------------------------------------ people

SEEDED_AT = datetime(2026, 12, 7, tzinfo=UTC)
ASTRONAUT_NAME = "Eileen Collins"


def look(seed: int) -> list[float]:
    """A person's look: 128 numbers at dlib's spread (tests/integration/test_persons.py's way)."""
    rng = random.Random(seed)
    return [rng.gauss(0, 0.09) for _ in range(128)]


def face_track(face: list[float], seed: int, start_ms: int, end_ms: int, box: tuple[float, ...]) -> FaceTrack:
    rng = random.Random(seed)
    descriptor = tuple(round(x + rng.gauss(0, 0.012), 5) for x in face)
    x1, y1, x2, y2 = box
    return FaceTrack(start_ms, end_ms, (start_ms + end_ms) // 2, (x1, y1, x2, y2), 0.99, descriptor, 2)


@dataclass(frozen=True)
class SeededPeople:
    video_id: str
    astronaut: str  # the person of the face the real run found (shot two)
    ada: str  # two faces
    bob: str  # one face, merged into Ada's
    astronaut_span: tuple[int, int]


def seed_people(api: httpx.Client, database_url: str) -> SeededPeople:
    """Face tracks placed into persons in the real run of the sample's faces, as a completed run places
    them (with generated descriptors): the astronaut over the time and box the real run found, and two
    other looks later in the video. Each person's id, found through the API."""
    (video,) = api.get("/api/v1/videos").json()["items"]
    task = tasks_of(api)["face_detection"]
    found = api.get(f"/api/v1/videos/{video['id']}/artifacts", params={"artifact_type": "face", "limit": 1000})
    faces = found.json()["items"]
    assert faces, "the real run found the astronaut's face"
    run_id = faces[0]["provenance"]["run_id"]
    start = min(f["span_start_ms"] for f in faces)
    end = max(f["span_end_ms"] for f in faces)
    bbox = faces[len(faces) // 2]["payload"]["bbox"]
    box = (bbox["x1"], bbox["y1"], bbox["x2"], bbox["y2"])
    astronaut, ada, bob = look(11), look(12), look(13)
    tracks = [
        face_track(astronaut, 1, start, end, box),
        face_track(ada, 2, 8000, 9000, (40.0, 40.0, 120.0, 140.0)),
        face_track(ada, 3, 10000, 11000, (60.0, 50.0, 140.0, 150.0)),
        face_track(bob, 4, 12000, 13000, (200.0, 60.0, 280.0, 160.0)),
    ]

    async def place() -> None:
        engine = create_engine(database_url)
        try:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                video_id, task_id = VideoId(UUID(video["id"])), TaskId(UUID(task["id"]))
                await add_faces(uow.persons, video_id, task_id, run_id, tracks, SEEDED_AT)
                await uow.commit()
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever runs in this thread
        pool.submit(asyncio.run, place()).result()

    def person_at(start_ms: int) -> str:
        for person in api.get("/api/v1/persons", params={"limit": 500}).json()["items"]:
            shown = api.get(f"/api/v1/persons/{person['id']}/appearances").json()["items"]
            if any(a["start_ms"] == start_ms and a["video_id"] == video["id"] for a in shown):
                return str(person["id"])
        raise AssertionError(f"nobody at {start_ms} ms")

    ada_id = person_at(8000)
    assert person_at(10000) == ada_id  # one look, one person
    return SeededPeople(video["id"], person_at(start), ada_id, person_at(12000), (start, end))


def card_of(page: Any, person_id: str) -> Any:
    return page.locator("li.person").filter(has=page.locator(f'a[href="/people/{person_id}"]'))


def name_and_merge_people(page: Any, api: httpx.Client, people: SeededPeople) -> None:
    """The People page lists the persons; one is named in place (Enter saves); two are merged; the
    name filter keeps the named one."""
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("heading", name="People", exact=True).wait_for()
    card_of(page, people.bob).wait_for()
    assert page.locator("li.person").count() >= 3
    assert "1 face · 1 video" in card_of(page, people.bob).inner_text()
    assert "2 faces · 1 video" in card_of(page, people.ada).inner_text()

    astronaut = card_of(page, people.astronaut)
    astronaut.get_by_role("button", name="Unnamed (rename)").click()
    field = astronaut.get_by_role("textbox", name="Name")
    field.fill(f"  {ASTRONAUT_NAME} ")
    field.press("Enter")
    astronaut.get_by_role("button", name=f"{ASTRONAUT_NAME} (rename)").wait_for()
    assert api.get(f"/api/v1/persons/{people.astronaut}").json()["name"] == ASTRONAUT_NAME

    card_of(page, people.ada).get_by_role("checkbox").check()
    card_of(page, people.bob).get_by_role("checkbox").check()
    page.get_by_label("Merge into").select_option(people.ada)
    page.get_by_role("button", name="Merge 2").click()
    page.get_by_role("status").filter(has_text="Merged 1 person into Unnamed (1 face moved).").wait_for()
    card_of(page, people.bob).wait_for(state="detached")
    assert api.get(f"/api/v1/persons/{people.bob}").status_code == 404
    assert "3 faces · 1 video" in card_of(page, people.ada).inner_text()
    check_page(page, "people")


def not_this_person(page: Any, api: httpx.Client, people: SeededPeople) -> None:
    """On a person's page, a face said to be someone else's leaves its appearances."""
    card_of(page, people.ada).get_by_role("link").click()
    page.wait_for_url(f"**/people/{people.ada}")
    items = page.locator("ol.appearances li")
    items.nth(2).wait_for()
    assert items.count() == 3
    check_page(page, "person")
    items.last.get_by_role("button", name="Not this person").click()
    page.wait_for_function("() => document.querySelectorAll('ol.appearances li').length === 2")
    assert api.get(f"/api/v1/persons/{people.ada}").json()["faces"] == 2


def a_persons_appearance_in_the_player(page: Any, api: httpx.Client, people: SeededPeople) -> None:
    """The named person's appearance opens the video at its time; the people lane names them, and so does
    the face box over the picture. The name filter finds them first."""
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Name begins with").fill("eil")
    page.wait_for_url("**/people?q=eil")
    card_of(page, people.ada).wait_for(state="detached")
    assert page.locator("li.person").count() == 1
    card_of(page, people.astronaut).get_by_role("link").click()
    page.get_by_role("heading", name=ASTRONAUT_NAME).wait_for()
    link = page.locator("ol.appearances a").first
    link.click()
    page.wait_for_url(f"**/videos/{people.video_id}?*")
    start, end = people.astronaut_span
    assert f"t={start / 1000:.3f}" in page.url
    wait_playing_within(page, start, end)
    page.locator("video").evaluate("v => v.pause()")
    lane = page.locator('.lane[data-lane="person"] button.moment')
    lane.first.wait_for()
    assert lane.count() == 1 and lane.first.get_attribute("aria-label").startswith(f"People: {ASTRONAUT_NAME} at")
    page.locator(".boxes .box.face.named").filter(has_text=ASTRONAUT_NAME).first.wait_for()
    page.get_by_role("button", name=f"Face: {ASTRONAUT_NAME}").wait_for()


# ---------------------------------------------------------------------------------------- speakers

Said = tuple[int, int, int, str]  # (voice, start_ms, end_ms, text)
ADA, BOB, CY = 11, 22, 33  # generated voices (tests/voices.py)
INTERVIEW: list[Said] = [
    (ADA, 0, 1400, "Welcome to the show."),
    (ADA, 1500, 2900, "Our guest builds engines."),
    (BOB, 3000, 4400, "Thank you for having me."),
    (ADA, 4500, 5900, "Tell us about the engine."),
    (BOB, 6000, 7400, "It computes Bernoulli numbers."),
    (ADA, 7500, 8900, "Remarkable."),
]
LECTURE: list[Said] = [(BOB, 0, 2000, "The analytical engine weaves patterns."), (CY, 2500, 4000, "A question.")]


def transcribe_with_voices(api: httpx.Client, database_url: str, valkey_url: str, media_root: Path) -> None:
    """Each video's transcription task run to completion by the real task runner on the real stores, the
    ML service's answer scripted with generated voices (the voice model is the ML service's own to test):
    the turns are placed into speakers as a real run places them. Ada's face is on screen in three of
    her turns (a suggestion)."""
    videos = {v["path"]: v for v in api.get("/api/v1/videos").json()["items"]}
    hearing = 0

    def transcription_of(path: str) -> dict[str, Any]:
        params = {"video_id": videos[path]["id"], "task_type": "transcription"}
        return dict(api.get("/api/v1/tasks", params=params).json()["items"][0])

    async def run(path: str, task: dict[str, Any], said: list[Said]) -> None:
        nonlocal hearing
        video = videos[path]
        items = []
        for who, start, end, words in said:
            hearing += 1
            heard = list(voice(who, hearing))
            items.append(TranscriptSegmentV1(text=words, start_ms=start, end_ms=end, language="en", voice=heard))
        provenance = Provenance(
            producer="faster-whisper+resemblyzer",
            producer_version="1",
            model_profile="balanced",
            config_hash=task["config_hash"],
            input_hash=video["content_hash"],
            run_id=f"run-{uuid4().hex[:8]}",
            device="cpu",
            weights="w",
        )
        answer = InferenceResponse(
            task_type=TaskType.TRANSCRIPTION,
            items=items,
            provenance=provenance,
            timings=Timings(queue_wait_ms=0, decode_ms=0, inference_ms=1, total_ms=1),
        )
        engine = create_engine(database_url)
        redis = Redis.from_url(valkey_url)
        try:
            sessions = session_factory(engine)
            runner = TaskRunner(
                SqlUnitOfWork(sessions),
                FakeMlClient(answer),
                KeptResults(redis),
                LocalMediaLibrary([str(media_root)]),
                SystemClock(),
                SqlHeartbeats(sessions),
                RetryPolicy(),
                windows=WindowSizes(600_000),
            )
            task_id = TaskId(UUID(task["id"]))
            report = await runner.execute(RunTask(task_id, task["attempt"], TaskType.TRANSCRIPTION))
            assert report.outcome is RunOutcome.COMPLETED, report
        finally:
            await redis.aclose()
            await engine.dispose()

    async def faces_of_ada() -> None:
        """A face-detection run of the interview with one face while Ada speaks (three of her turns)."""
        video_id, task_id, run_id = VideoId(UUID(videos["interview.mp4"]["id"])), TaskId(uuid4()), "run-faces"
        engine = create_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    sql(
                        "INSERT INTO tasks (id, video_id, task_type, status, queue, attempt, config, config_hash, "
                        "correlation_id, created_at) VALUES (:id, :video, 'face_detection', 'COMPLETED', "
                        "'gpu_jobs', 1, '{}', 'h2', 'c', now())"
                    ),
                    {"id": task_id, "video": video_id},
                )
                await connection.execute(
                    sql(
                        "INSERT INTO runs (run_id, task_id, producer, producer_version, model_profile, "
                        "config_hash, input_hash, device, weights, state, created_at) VALUES (:run, :id, "
                        "'mtcnn+dlib', '1', 'balanced', 'h2', 'i', 'cpu', 'w', 'current', now())"
                    ),
                    {"run": run_id, "id": task_id},
                )
            face = look(21)
            tracks = [
                face_track(face, n, s, s + 1000, (40.0, 40.0, 120.0, 140.0)) for n, s in enumerate((0, 4500, 7500))
            ]
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                await add_faces(uow.persons, video_id, task_id, run_id, tracks, SEEDED_AT)
                await uow.commit()
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever runs in this thread
        for path, said in (("interview.mp4", INTERVIEW), ("lecture.mp4", LECTURE)):
            pool.submit(asyncio.run, run(path, transcription_of(path), said)).result()
        pool.submit(asyncio.run, faces_of_ada()).result()


def speaker_at(api: httpx.Client, path: str, at_ms: int) -> dict[str, Any]:
    for found in api.get("/api/v1/speakers", params={"limit": 500}).json()["items"]:
        turns = api.get(f"/api/v1/speakers/{found['id']}/appearances").json()["items"]
        if any(t["video_path"] == path and t["start_ms"] == at_ms for t in turns):
            return dict(found)
    raise AssertionError(f"nobody speaks at {at_ms} in {path}")


def shown_as(speaker: dict[str, Any]) -> str:
    return str(speaker["name"] or f"Speaker {speaker['number']}")


@pytest.mark.timeout(300)
def test_speakers_in_the_browser(
    tmp_path: Path,
    engine: AsyncEngine,
    redis: Redis,
    database_url: str,
    valkey_url: str,
    media_root: Path,
    model_cache: Path,
    ui_dist: Path,
) -> None:
    """Speakers in the web UI, on the real API and stores: two videos transcribed with generated voices
    (the real task runner places them). The video page's transcript says who speaks once a run of their
    lines, the speakers lane has a band per turn that seeks there, and a speaker named in place from the
    transcript is named everywhere; the Speakers page lists them with their counts, names one in place,
    filters and merges; a speaker's page lists their turns (each playing from its time), offers the
    person whose face shows while they talk, and links the search of what they said, whose hits say who
    speaks. Each page passes axe-core."""
    chromium = require_tool("chromium")
    playwright = requires("playwright.sync_api", package="playwright")
    make_sample_video(media_root / "interview.mp4", segments=[Segment(10.0, (200, 40, 40))])
    make_sample_video(media_root / "lecture.mp4", segments=[Segment(5.0, (40, 40, 200))])
    with running_stack(
        tmp_path,
        database_url=database_url,
        valkey_url=valkey_url,
        media_root=media_root,
        model_cache=model_cache,
        ml_url="http://127.0.0.1:9",  # no analysis runs: the transcripts are placed by the test
        workers={},
        env={**FAST, "UI_DIR": str(ui_dist)},
    ) as stack:
        with stack.api() as api:
            assert api.post("/api/v1/paths/discover").json()["tasks_created"] == 12
            transcribe_with_voices(api, database_url, valkey_url, media_root)
            ada, bob, cy = (
                speaker_at(api, *at) for at in (("interview.mp4", 0), ("interview.mp4", 3000), ("lecture.mp4", 2500))
            )
            assert len({ada["id"], bob["id"], cy["id"]}) == 3 and bob["videos"] == 2
            with playwright.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium)
                context = browser.new_context(
                    base_url=stack.api_url, viewport={"width": 1280, "height": 860}, bypass_csp=True
                )
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto("/")
                page.get_by_label("API token").fill(TOKEN)
                page.keyboard.press("Enter")
                page.get_by_role("heading", name="Library").wait_for()
                who_speaks_in_the_player(page, api, ada, bob)
                the_speakers_page(page, api, bob, cy)
                a_speakers_page(page, api, ada)
                assert errors == []
                browser.close()

    if os.environ.get("UPDATE_SCREENSHOTS"):  # the README's pictures of speakers
        for name in ("speakers", "video-speakers"):
            shutil.copy(SHOTS / f"{name}.png", ROOT / "docs" / "screenshots" / f"{name}.png")


def who_speaks_in_the_player(page: Any, api: httpx.Client, ada: dict[str, Any], bob: dict[str, Any]) -> None:
    """The transcript names the speaker at each run of their lines, and every line to screen readers; the
    lane has a band per turn; Ada is named in place from the transcript, and the lane and lines follow."""
    video_id = next(v["id"] for v in api.get("/api/v1/videos").json()["items"] if v["path"] == "interview.mp4")
    page.goto(f"/videos/{video_id}")
    lines = page.locator(".transcript-list > li")
    lines.nth(len(INTERVIEW) - 1).wait_for()
    a, b = shown_as(ada), shown_as(bob)
    labels = [
        li.locator(".speaker-label").text_content() if li.locator(".speaker-label").count() else None
        for li in lines.all()
    ]
    # Once a run (Ada's two first lines are one), each a button that names the speaker in place.
    ra, rb = f"{a} (rename)", f"{b} (rename)"
    assert labels == [ra, None, rb, ra, rb, ra], labels
    segments = page.locator(".transcript-list button.segment")
    assert segments.nth(1).inner_text().startswith("0:01.5")
    assert segments.nth(1).text_content() == f"0:01.5 {a}: Our guest builds engines."  # said to screen readers

    bands = page.locator('.lane[data-lane="speaker"] button.moment')
    bands.nth(4).wait_for()
    titles = [band.get_attribute("title") for band in bands.all()]
    assert titles == [
        f"Speakers: {a} at 0:00.0",
        f"Speakers: {b} at 0:03.0",
        f"Speakers: {a} at 0:04.5",
        f"Speakers: {b} at 0:06.0",
        f"Speakers: {a} at 0:07.5",
    ], titles
    colours = [band.evaluate("b => getComputedStyle(b).backgroundColor") for band in bands.all()]
    assert colours[0] == colours[2] == colours[4] != colours[1] == colours[3]
    page.locator("video").evaluate("v => v.pause()")
    bands.nth(3).click()
    wait_playing_within(page, 6000, 7400)
    assert page.locator('.transcript-list button[aria-current="true"]').inner_text().endswith("Bernoulli numbers.")

    lines.first.get_by_role("button", name=ra).click()
    field = lines.first.get_by_role("textbox", name="Name")
    field.fill("Ada Lovelace")
    field.press("Enter")
    page.locator(".speaker-label").filter(has_text="Ada Lovelace").nth(2).wait_for()  # her three runs
    page.locator('.lane[data-lane="speaker"] button.moment[title="Speakers: Ada Lovelace at 0:07.5"]').wait_for()
    assert api.get(f"/api/v1/speakers/{ada['id']}").json()["name"] == "Ada Lovelace"
    ada["name"] = "Ada Lovelace"
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v.readyState >= 2 && !v.seeking; }"
    )
    page.evaluate("() => document.activeElement?.blur()")
    page.mouse.move(0, 0)
    check_page(page, "video-speakers")


def row_of(page: Any, speaker_id: str) -> Any:
    return page.locator(f'tr.speaker[data-speaker="{speaker_id}"]')


def the_speakers_page(page: Any, api: httpx.Client, bob: dict[str, Any], cy: dict[str, Any]) -> None:
    """The Speakers page, from the navigation: named first, each with their turns and videos; Bob named in
    place; the name filter; Cy merged into Bob."""
    page.get_by_role("link", name="Speakers", exact=True).click()
    page.get_by_role("heading", name="Speakers", exact=True).wait_for()
    rows = page.locator("tr.speaker")
    rows.nth(2).wait_for()
    cells = [[c.text_content() for c in row.locator("td").all()[1:4]] for row in rows.all()]
    assert cells == [
        ["Ada Lovelace (rename)", "4", "1"],
        [f"{shown_as(bob)} (rename)", "3", "2"],
        [f"{shown_as(cy)} (rename)", "1", "1"],
    ], cells
    row_of(page, bob["id"]).get_by_role("button", name=f"{shown_as(bob)} (rename)").click()
    field = row_of(page, bob["id"]).get_by_role("textbox", name="Name")
    field.fill("  Charles   Babbage ")
    field.press("Enter")
    row_of(page, bob["id"]).get_by_role("button", name="Charles Babbage (rename)").wait_for()
    assert api.get(f"/api/v1/speakers/{bob['id']}").json()["name"] == "Charles Babbage"

    page.get_by_label("Name begins with").fill("char")
    page.wait_for_url("**/speakers?q=char")
    row_of(page, cy["id"]).wait_for(state="detached")
    assert rows.count() == 1
    page.get_by_label("Name begins with").fill("")
    page.wait_for_url("**/speakers")
    row_of(page, cy["id"]).wait_for()

    row_of(page, cy["id"]).get_by_role("checkbox").check()
    row_of(page, bob["id"]).get_by_role("checkbox").check()
    page.get_by_label("Merge into").select_option(bob["id"])
    page.mouse.move(0, 0)
    check_page(page, "speakers")
    page.get_by_role("button", name="Merge 2").click()
    page.get_by_role("status").filter(has_text="Merged 1 speaker into Charles Babbage (1 turn moved).").wait_for()
    row_of(page, cy["id"]).wait_for(state="detached")
    assert api.get(f"/api/v1/speakers/{cy['id']}").status_code == 404
    assert [c.inner_text() for c in row_of(page, bob["id"]).locator("td").all()[2:4]] == ["4", "2"]


def a_speakers_page(page: Any, api: httpx.Client, ada: dict[str, Any]) -> None:
    """Ada's page: her turns in library order, the person whose face shows while she talks (accepted), the
    search of what she said (each hit says who speaks), and a turn that plays from its time."""
    row_of(page, ada["id"]).get_by_role("link", name="Turns of Ada Lovelace").click()
    page.wait_for_url(f"**/speakers/{ada['id']}")
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    turns = page.locator("ol.turns a")
    turns.nth(3).wait_for()
    assert [t.locator(".hit-text > span").first.inner_text() for t in turns.all()] == [
        words for who, _, _, words in INTERVIEW if who == ADA
    ]
    assert "4 turns · 1 video" in page.locator(".person-head .meta").first.inner_text()
    # Her face's person, not yet named, is on screen in three of her turns.
    suggestion = page.locator(".suggestion")
    suggestion.get_by_role("heading", name="Is this the person on screen?").wait_for()
    assert "An unnamed person's face is on screen in 3 of Ada Lovelace's turns." in suggestion.inner_text()
    person = suggestion.get_by_role("link", name="An unnamed person").get_attribute("href").removeprefix("/people/")
    check_page(page, "speaker")
    suggestion.get_by_role("button", name="Yes, this is that person").click()
    page.get_by_role("link", name="the person on their page").wait_for()
    assert suggestion.count() == 0
    assert api.get(f"/api/v1/speakers/{ada['id']}").json()["person_id"] == person

    page.get_by_role("link", name="Search what they said").click()
    page.wait_for_url(f"**/search?types=transcript&speaker={ada['id']}&sort=time")
    hits = page.locator("ol.hits a.hit")
    hits.nth(3).wait_for()
    assert hits.count() == 4
    assert all("said by Ada Lovelace" in h.locator(".meta").text_content() for h in hits.all())
    assert page.get_by_role("checkbox", name="Said by Ada Lovelace").is_checked()
    check_page(page, "search-speaker")

    page.go_back()
    turns.nth(2).click()  # "Tell us about the engine.", at 4.5 s
    page.wait_for_url(f"**/videos/**speaker={ada['id']}&t=4.500")
    wait_playing_within(page, 4500, 5900)
