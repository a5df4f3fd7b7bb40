"""Face descriptors on real photographs of three people, in videos made here: MTCNN finds each face,
dlib describes it, and the descriptors tell the people apart.

Barack Obama from three different photographs (the whole of one, small and dark; a close one,
speaking; a crop of one taken across a room, heavily compressed), Joe Biden, and scikit-image's
astronaut, each in a short still video of its own, and Biden beside the astronaut in one more. The
faces model runs for real on real weights. dlib calls two faces of one person alike below 0.6; here
one person's faces must be within SAME of each other across videos and two people's farther apart
than OTHERS. Measured here: Obama to Obama 0.44 to 0.45, two people 0.79 to 0.91.
"""

import itertools
import math
import shutil
from pathlib import Path
from typing import Any, cast

import pytest
from PIL import Image

from framewise.contracts.ml import InferenceRequest
from framewise.domain.payloads import DESCRIPTOR_SIZE, FaceDetectionV1
from framewise_dev.media import photograph
from framewise_dev.photos import Framing, MissingPhotos, make_photo_video, photo, photo_path
from framewise_ml.models.base import ModelContext, ModelState, weights_identity
from framewise_ml.models.face_descriptors import FILES, FOLDER
from framewise_ml.models.faces import FacesModel
from framewise_ml.models.registry import ModelRegistry
from framewise_ml.routers.health import model_body
from framewise_ml.settings import MlSettings

pytestmark = pytest.mark.ml

SAME = 0.5  # one person, across photographs, framings and encodings
OTHERS = 0.7  # two people
INTERVAL_MS = 1000  # two samples of each 2 s video: the second is the first unchanged

Item = dict[str, Any]

# name -> (person, photograph, how the video shows it). Photographs: obama 910x1137, obama2 626x1200,
# obama3 1434x2333 (the face small in a room), biden 970x2204, astronaut 512x512.
VIDEOS: dict[str, tuple[str, str, Framing]] = {
    "obama-whole-small-dark": ("obama", "obama", Framing(brightness=0.45)),  # the face 52 px wide
    "obama2-close": ("obama", "obama2", Framing(crop=(60, 120, 600, 780), size=(640, 360))),  # 154 px
    "obama3-compressed": ("obama", "obama3", Framing(crop=(430, 80, 1130, 900), size=(640, 480), crf=42)),  # 43 kbit/s
    "biden": ("biden", "biden", Framing(crop=(150, 0, 970, 1000), size=(480, 270))),  # 76 px
    "astronaut": ("astronaut", "astronaut", Framing()),  # 40 px
}


def picture(name: str) -> Image.Image:
    return photograph(name) if name == "astronaut" else photo(name)


def two_people() -> Image.Image:
    """Biden's head and shoulders on the left, the astronaut on the right."""
    left = picture("biden").crop((150, 0, 970, 1000)).resize((410, 500))
    right = picture("astronaut").crop((60, 0, 460, 490)).resize((408, 500))
    both = Image.new("RGB", (860, 500), (40, 40, 40))
    both.paste(left, (0, 0))
    both.paste(right, (450, 0))
    return both


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("face-videos")
    made = {
        name: make_photo_video(folder / f"{name}.mp4", picture(source), framing)
        for name, (_, source, framing) in VIDEOS.items()
    }
    made["biden-and-astronaut"] = make_photo_video(folder / "both.mp4", two_people(), Framing(size=(640, 372)))
    return made


@pytest.fixture(scope="module")
def detection_only(model_cache: Path) -> FacesModel:
    model = FacesModel(ModelContext(model_cache), recognition=False)
    model.load()
    assert model.status.state is ModelState.READY, model.status.reason
    return model


def run(model: FacesModel, video: Path, **config: object) -> tuple[list[Item], int]:
    request = InferenceRequest(video_path=str(video), config={"interval_ms": INTERVAL_MS, **config})
    prediction = model.predict(request, video)
    return cast(list[Item], prediction.items), prediction.frames_reused


@pytest.fixture(scope="module")
def found(faces: FacesModel, videos: dict[str, Path]) -> dict[str, list[Item]]:
    """Each video's items, with recognition on."""
    return {name: run(faces, path)[0] for name, path in videos.items()}


def distance(a: list[float], b: list[float]) -> float:
    return math.dist(a, b)


def test_every_face_found_has_a_descriptor_of_128_numbers(found: dict[str, list[Item]]) -> None:
    for name, items in found.items():
        people = 2 if name == "biden-and-astronaut" else 1
        assert sorted(item["timestamp_ms"] for item in items) == sorted([0, 1000] * people), (name, items)
        for item in items:
            payload = FaceDetectionV1.model_validate(item)  # in [-1, 1], exactly 128 of them
            assert payload.descriptor is not None and len(payload.descriptor) == DESCRIPTOR_SIZE
            assert all(round(value, 5) == value for value in payload.descriptor)
            assert math.dist(payload.descriptor, [0.0] * DESCRIPTOR_SIZE) > 0.5  # not a blank answer


def test_one_person_is_close_across_videos_and_two_people_are_far_apart(found: dict[str, list[Item]]) -> None:
    described = {name: found[name][0]["descriptor"] for name in VIDEOS}
    table = {(a, b): distance(described[a], described[b]) for a, b in itertools.combinations(VIDEOS, 2)}
    print("\n".join(f"{a:24} {b:24} {d:.3f}" for (a, b), d in table.items()))  # pytest -s shows them
    same = {pair: d for pair, d in table.items() if VIDEOS[pair[0]][0] == VIDEOS[pair[1]][0]}
    others = {pair: d for pair, d in table.items() if pair not in same}
    assert len(same) == 3 and len(others) == 7
    assert max(same.values()) < SAME, same
    assert min(others.values()) > OTHERS, others


def test_two_people_in_one_frame_each_get_their_own_descriptor(found: dict[str, list[Item]]) -> None:
    first = sorted((i for i in found["biden-and-astronaut"] if i["timestamp_ms"] == 0), key=lambda i: i["bbox"]["x1"])
    assert len(first) == 2
    for item, person in zip(first, ("biden", "astronaut"), strict=True):
        alone = found[person][0]["descriptor"]
        other = found["astronaut" if person == "biden" else "biden"][0]["descriptor"]
        assert distance(item["descriptor"], alone) < SAME
        assert distance(item["descriptor"], other) > OTHERS


def test_an_unchanged_frame_carries_the_descriptor_of_the_frame_it_reuses(
    faces: FacesModel, found: dict[str, list[Item]], videos: dict[str, Path]
) -> None:
    items, reused = run(faces, videos["obama2-close"])
    assert reused == 1  # the still video's second sample reused the first one's answer
    first, second = sorted(items, key=lambda i: i["timestamp_ms"])
    assert second["descriptor"] == first["descriptor"] and second["frame_index"] != first["frame_index"]
    fresh, reused = run(faces, videos["obama2-close"], change_threshold=0)
    assert reused == 0
    again = max(fresh, key=lambda i: i["timestamp_ms"])
    assert distance(again["descriptor"], first["descriptor"]) < 0.1  # described anew: the same face


def test_with_recognition_off_the_same_faces_come_without_descriptors_from_another_producer(
    faces: FacesModel, detection_only: FacesModel, found: dict[str, list[Item]], videos: dict[str, Path]
) -> None:
    for name, path in videos.items():
        items, _ = run(detection_only, path)
        assert items == [{k: v for k, v in item.items() if k != "descriptor"} for item in found[name]]
    request = InferenceRequest(video_path=str(videos["biden"]))
    on, off = (model.provenance(request, videos["biden"]) for model in (faces, detection_only))
    assert (on.producer, off.producer) == ("facenet-pytorch-mtcnn+dlib-resnet", "facenet-pytorch-mtcnn")
    assert on.producer_version.startswith(off.producer_version + "+dlib-20.")
    assert on.weights != off.weights and off.weights.startswith("sha256:")
    cache = faces.ctx.cache_dir
    mtcnn = [cache / "faces" / "mtcnn" / f"{net}.pt" for net in ("pnet", "rnet", "onet")]
    assert off.weights == weights_identity(*mtcnn)  # as before there were descriptors
    assert on.weights == weights_identity(*mtcnn, *(cache / FOLDER / name for name in FILES))
    assert (model_body(faces)["options"], model_body(detection_only)["options"]) == (
        {"recognition": True},
        {"recognition": False},
    )


def test_recognition_needs_the_dlib_weights_and_detection_alone_does_not(tmp_path: Path, model_cache: Path) -> None:
    shutil.copytree(model_cache / "faces" / "mtcnn", tmp_path / "faces" / "mtcnn")
    without = FacesModel(ModelContext(tmp_path))
    without.load()
    assert without.status.state is ModelState.FAILED
    assert without.status.missing == [f"{FOLDER}/{name}" for name in FILES]
    assert f"{FOLDER}/shape_predictor_5_face_landmarks.dat" in (without.status.reason or "")
    alone = FacesModel(ModelContext(tmp_path), recognition=False)
    alone.load()
    assert alone.status.state is ModelState.READY, alone.status.reason
    shutil.copytree(model_cache / "faces" / "dlib", tmp_path / "faces" / "dlib")
    assert without.weights_arrived()


def test_the_face_recognition_setting_reaches_the_faces_model(
    monkeypatch: pytest.MonkeyPatch, model_cache: Path
) -> None:
    monkeypatch.setenv("MEDIA_ROOTS", "/tmp")
    assert MlSettings().face_recognition is True  # type: ignore[call-arg]
    monkeypatch.setenv("FACE_RECOGNITION", "false")
    settings = MlSettings()  # type: ignore[call-arg]
    assert settings.face_recognition is False
    ctx = ModelContext(model_cache)
    for recognition in (True, False):
        model = ModelRegistry.default(ctx, face_recognition=recognition).get("faces")
        assert isinstance(model, FacesModel) and model.recognition is recognition


def test_a_missing_photograph_names_the_make_target(tmp_path: Path) -> None:
    with pytest.raises(MissingPhotos, match="make install"):
        photo_path("obama", tmp_path)
    with pytest.raises(ValueError, match="obama2"):
        photo_path("lincoln", tmp_path)
