"""People through `make run` (python -m framewise_dev.run): real photographs in a media folder, every
process as a user starts them. Discovery queues the six analyses; the GPU worker runs face
detection through the ML service (MTCNN, then dlib's descriptors) and groups the faces into persons
in PostgreSQL; a name given through the API finds the person in every video by search; and a
re-grouping, asked through the API, is run by the CPU worker process and keeps the name.

Obama from two different photographs in two videos, and Biden in a third: two persons. Every wait
is on what the API shows; nothing asserts how long anything took.
"""

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from framewise_dev.photos import make_photo_video
from tests.e2e.processes import AUTH
from tests.e2e.test_make_run import MakeRun, start_make_run, tasks
from tests.e2e.waits import NotYet, wait_until
from tests.ml.test_face_descriptors import VIDEOS, picture

pytestmark = pytest.mark.e2e

LIBRARY = {  # the path in the media folder: the clip of tests/ml/test_face_descriptors.py
    "2019/obama-whole-small-dark.mp4": "obama-whole-small-dark",
    "2020/interview/obama2-close.mp4": "obama2-close",
    "2021/biden.mp4": "biden",
}


def get(run: MakeRun, path: str, **params: Any) -> Any:
    response = httpx.get(f"{run.api_url}/api/v1{path}", params=params, headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def who(run: MakeRun) -> dict[str, set[str]]:
    """Each person's id: the paths of the videos they appear in."""
    return {
        person["id"]: {a["video_path"] for a in get(run, f"/persons/{person['id']}/appearances", limit=500)["items"]}
        for person in get(run, "/persons", limit=500)["items"]
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[MakeRun]:
    tmp = tmp_path_factory.mktemp("people-make-run")
    media = tmp / "media"
    for path, clip in LIBRARY.items():
        _, source, framing = VIDEOS[clip]
        target = media / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(make_photo_video(tmp / f"{clip}.mp4", picture(source), framing), target)
    started = start_make_run(tmp, tmp / "data", media, model_cache)
    try:
        started.wait_all_running()
        yield started
    finally:
        started.stop()


def test_people_are_grouped_named_found_and_regrouped_by_the_cpu_worker(run: MakeRun) -> None:
    def completed() -> list[dict[str, Any]]:
        items = tasks(run)
        statuses = Counter(t["status"] for t in items)
        if len(items) != 6 * len(LIBRARY) or statuses != {"COMPLETED": len(items)}:
            raise NotYet(dict(statuses))
        return items

    wait_until(completed, timeout=600, message="every analysis of the three videos COMPLETED", every=1)
    people = who(run)
    assert sorted(sorted(paths) for paths in people.values()) == [
        ["2019/obama-whole-small-dark.mp4", "2020/interview/obama2-close.mp4"],
        ["2021/biden.mp4"],
    ]
    obama = next(pid for pid, paths in people.items() if len(paths) == 2)
    biden = next(pid for pid in people if pid != obama)
    biden_faces = get(run, f"/persons/{biden}")["faces"]
    named = httpx.put(f"{run.api_url}/api/v1/persons/{obama}", json={"name": "Barack Obama"}, headers=AUTH, timeout=30)
    assert named.status_code == 200, named.text
    hits = get(run, "/search", q="barack obama", types="person")["items"]
    assert {h["video_path"] for h in hits} == people[obama] and {h["person_id"] for h in hits} == {obama}

    asked = httpx.post(f"{run.api_url}/api/v1/persons/regroup", headers=AUTH, timeout=30)
    assert asked.status_code == 202, asked.text

    def regrouped() -> dict[str, Any]:
        status = get(run, "/persons/regroup")
        if status["state"] != "idle" or status["finished_at"] is None:
            raise NotYet(status)
        return dict(status)

    status = wait_until(regrouped, timeout=120, message="the CPU worker's re-grouping done", every=0.5)
    # Biden's faces (unnamed) are placed again, into one person; Obama's stay: he is named.
    assert status["last"] == {"faces": biden_faces, "persons": 1}
    again = who(run)
    assert again[obama] == people[obama] and sorted(again.values()) == sorted(people.values())
    assert get(run, f"/persons/{obama}")["name"] == "Barack Obama"
    assert "regroup_completed" in run.output()  # the CPU worker's log line (the API never runs jobs)
